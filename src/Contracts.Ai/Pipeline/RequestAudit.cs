using System;
using System.Collections.Generic;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// Collects what every stage decided in a governed call into one <see cref="DecisionRecord"/> when the call ends, and
/// hands it to each registered <see cref="IAuditSink"/>. A failing sink never fails the user's call.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed partial class RequestAudit(IAuditSink[] sinks, ILogger logger)
{
    /// <summary>Gets a value indicating whether any sink is registered.</summary>
    public bool IsEnabled => sinks.Length != 0;

    public void Write(GovernedCall call, string outcome, TimeSpan elapsed)
    {
        if (sinks.Length == 0)
        {
            return;
        }

        DecisionRecord record = Collect(call, outcome, elapsed);
        foreach (IAuditSink sink in sinks)
        {
            try
            {
                sink.Write(record);
            }
            catch (Exception ex)
            {
                string name = sink.GetType().Name;
                if (GovernedAiTelemetry.AuditFailures.Enabled)
                {
                    GovernedAiTelemetry.AuditFailures.Add(1, new TagList { { TelemetryNames.Attributes.AuditSink, name } });
                }

                LogSinkFailed(logger, ex, name);
            }
        }
    }

    private static DecisionRecord Collect(GovernedCall call, string outcome, TimeSpan elapsed)
    {
        ToolCallRecord[] toolCalls = call.ToolCallsSnapshot();
        AuditedToolCall[] audited = toolCalls.Length == 0 ? [] : new AuditedToolCall[toolCalls.Length];
        for (int i = 0; i < toolCalls.Length; i++)
        {
            ToolCallRecord tool = toolCalls[i];
            audited[i] = new AuditedToolCall(tool.Name, tool.Outcome, tool.IdempotencyKeyHash, tool.Rejection) { DecidedBy = tool.DecidedBy };
        }

        // Without a span of its own, the call is audited under the app's span, when there is one.
        ActivityContext traced = call.Activity?.Context ?? call.Record!.ParentContext;
        GovernanceContext? context = call.Context;
        return new DecisionRecord
        {
            Timestamp = call.Record!.StartedAt,
            DurationMs = elapsed.TotalMilliseconds,
            TraceId = traced.TraceId == default ? null : traced.TraceId.ToHexString(),
            SpanId = traced.SpanId == default ? null : traced.SpanId.ToHexString(),
            TenantId = context?.TenantId,
            SessionIdHash = context?.SessionId is { } sessionId ? SessionMemoryTelemetry.Hash(context.TenantId, context.UserId, sessionId) : null,
            ContractId = call.ContractId,
            ContractVersion = call.ContractVersion,
            Variant = call.Variant,
            ContractLabel = call.ContractLabel,
            RenderedPromptHash = call.RenderedPromptHash,
            ContextSources = context is { HasContextSources: true } ? new List<ContextSource>(context.ContextSources) : Array.Empty<ContextSource>(),
            ToolCalls = audited,
            ValidationOutcome = call.ValidationOutcome,
            ValidationAttempts = call.ValidationAttempts,
            IdempotencyOutcome = call.IdempotencyOutcome,
            TokensBeforeBudget = call.TokensBefore,
            TokensAfterBudget = call.TokensAfter,
            MessagesDropped = call.MessagesDropped,
            InputTokens = call.Usage?.InputTokenCount,
            OutputTokens = call.Usage?.OutputTokenCount,
            TotalTokens = call.Usage?.TotalTokenCount,
            Redactions = call.Redactions,
            ScreeningDetections = call.ScreeningDetections,
            RolloutEvents = call.RolloutEvents is { IsEmpty: false } events ? events.ToArray() : Array.Empty<string>(),
            Streaming = call.Streaming,
            Outcome = outcome,
            ErrorType = call.Record!.Error?.GetType().FullName,
        };
    }

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Audit sink {Sink} threw while accepting a decision record; the record is lost for that sink.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink);
}
