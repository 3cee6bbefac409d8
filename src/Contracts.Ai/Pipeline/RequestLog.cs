using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// The log of a governed call when it ends: its outcome at Debug, a rejection at Warning, a failure at Error (the
/// exception's type, never its message, which may quote the request), and, only with sensitive data captured, the
/// redacted messages, answer and error message at Trace.
/// </summary>
internal static partial class RequestLog
{
    public static void Write(ILogger logger, GovernedCall call, string outcome, TimeSpan elapsed, IEnumerable<ChatMessage> messages, SensitiveDataFormatter? sensitive)
    {
        CallRecord record = call.Record!;
        switch (record.Error)
        {
            case null:
                LogCompleted(logger, outcome, record.ContractId, record.ContractVersion, record.Variant, elapsed.TotalMilliseconds);
                break;
            case OperationCanceledException:
                LogCancelled(logger, record.ContractId, record.ContractVersion, elapsed.TotalMilliseconds);
                break;
            case GovernedAiException { IsExpectedOutcome: true } rejected:
                // An expected outcome: a stack trace adds nothing, and the message may quote names the model wrote: the log
                // gets its kinds, the message only at Trace below.
                LogRejected(logger, record.ContractId, record.ContractVersion, rejected.GetType().Name, rejected.TelemetryDescription);
                break;
            case GovernedAiException fault:
                // A set-up or dependency fault of ours: the stack trace helps, and the message holds no sensitive content.
                LogGovernanceFault(logger, fault, record.ContractId, record.ContractVersion, fault.GetType().Name);
                break;
            default:
                // Provider errors may quote the request: the type goes into the log, the message only at Trace below.
                LogFailed(logger, record.ContractId, record.ContractVersion, record.Error.GetType().FullName);
                break;
        }

        if (sensitive is not null && logger.IsEnabled(LogLevel.Trace))
        {
            WriteSensitive(logger, call, messages, sensitive);
        }
    }

    private static void WriteSensitive(ILogger logger, GovernedCall call, IEnumerable<ChatMessage> messages, SensitiveDataFormatter sensitive)
    {
        // Called only with Trace on (see Write); the analyzer cannot see that through the call.
        CallRecord record = call.Record!;
        string? contractId = record.ContractId;
        string input = sensitive.FormatMessages(messages, contractId);
        LogSensitiveInput(logger, input);
        if (record.Output is not null)
        {
            string output = sensitive.Redact(record.Output, contractId);
            LogSensitiveOutput(logger, output);
        }

        if (record.Error is { } error)
        {
            string message = sensitive.Redact(error.Message, contractId);
            LogSensitiveError(logger, message);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Governed call {Outcome}: contract {ContractId} {ContractVersion} variant {Variant} in {DurationMs} ms.")]
    private static partial void LogCompleted(ILogger logger, string outcome, string? contractId, string? contractVersion, string? variant, double durationMs);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Governed call cancelled: contract {ContractId} {ContractVersion} after {DurationMs} ms.")]
    private static partial void LogCancelled(ILogger logger, string? contractId, string? contractVersion, double durationMs);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Governed call rejected: contract {ContractId} {ContractVersion}, {ErrorType}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string? contractId, string? contractVersion, string errorType, string reason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Error, Message = "Governed call failed in governance: contract {ContractId} {ContractVersion}, {ErrorType}.")]
    private static partial void LogGovernanceFault(ILogger logger, Exception exception, string? contractId, string? contractVersion, string errorType);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Governed call failed: contract {ContractId} {ContractVersion}, {ErrorType}.")]
    private static partial void LogFailed(ILogger logger, string? contractId, string? contractVersion, string? errorType);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Trace, Message = "Governed call input (redacted): {Messages}")]
    private static partial void LogSensitiveInput(ILogger logger, string messages);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Trace, Message = "Governed call output (redacted): {Output}")]
    private static partial void LogSensitiveOutput(ILogger logger, string output);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Trace, Message = "Governed call error message (redacted): {ErrorMessage}")]
    private static partial void LogSensitiveError(ILogger logger, string errorMessage);
}
