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

    /// <summary>Collects each stage's decision record of the call into the audit's one public shape.</summary>
    private static DecisionRecord Collect(GovernedCall call, string outcome, TimeSpan elapsed)
    {
        CallRecord record = call.Record!;
        ContractDecision? contract = record.Contract;
        RoutingDecision? routing = record.Routing;
        BudgetDecision? budget = record.Budget;
        ScreeningDecision? screening = record.Screening;
        ToolCallRecord[] toolCalls = record.ToolCalls?.Snapshot() ?? [];
        AuditedToolCall[] audited = toolCalls.Length == 0 ? [] : new AuditedToolCall[toolCalls.Length];
        for (int i = 0; i < toolCalls.Length; i++)
        {
            ToolCallRecord tool = toolCalls[i];
            audited[i] = new AuditedToolCall(tool.Name, tool.Outcome, tool.IdempotencyKeyHash, tool.Rejection) { DecidedBy = tool.DecidedBy };
        }

        // Without a span of its own, the call is audited under the app's span, when there is one.
        ActivityContext traced = record.Activity?.Context ?? record.ParentContext;
        GovernanceContext? context = call.Context;
        return new DecisionRecord
        {
            Timestamp = record.StartedAt,
            DurationMs = elapsed.TotalMilliseconds,
            TraceId = traced.TraceId == default ? null : traced.TraceId.ToHexString(),
            SpanId = traced.SpanId == default ? null : traced.SpanId.ToHexString(),
            TenantId = context?.TenantId,
            SessionIdHash = context?.SessionId is { } sessionId ? SessionMemoryTelemetry.Hash(context.TenantId, context.UserId, sessionId) : null,
            ContractId = record.ContractId,
            ContractVersion = record.ContractVersion,
            Variant = record.Variant,
            ContractLabel = record.ContractLabel,
            RenderedPromptHash = contract?.RenderedPromptHash,
            ContextSources = context is { HasContextSources: true } ? new List<ContextSource>(context.ContextSources) : Array.Empty<ContextSource>(),
            ToolCalls = audited,
            ValidationOutcome = contract?.ValidationOutcome,
            ValidationAttempts = contract?.ValidationAttempts ?? 0,
            IdempotencyOutcome = record.Idempotency?.Outcome,
            TokensBeforeBudget = budget?.TokensBefore,
            TokensAfterBudget = budget?.TokensAfter,
            MessagesDropped = budget?.MessagesDropped ?? 0,
            InputTokens = record.Usage?.InputTokenCount,
            OutputTokens = record.Usage?.OutputTokenCount,
            TotalTokens = record.Usage?.TotalTokenCount,
            Redactions = screening?.Redactions ?? 0,
            ScreeningDetections = screening?.Detections ?? 0,
            RolloutEvents = routing?.RolloutEvents is { IsEmpty: false } events ? events.ToArray() : Array.Empty<string>(),
            Streaming = call.Streaming,
            Outcome = outcome,
            ErrorType = record.Error?.GetType().FullName,
        };
    }

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Audit sink {Sink} threw while accepting a decision record; the record is lost for that sink.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink);
}
