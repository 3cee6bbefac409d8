using System.Collections.Generic;
using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>The <c>contracts_ai.request</c> span of a governed call: opened when the call begins, its outcome, usage and (when captured) redacted messages tagged when it ends.</summary>
internal static class RequestSpan
{
    /// <summary>Opens the span when something listens and tags what the request names; <see langword="null"/> when nothing does.</summary>
    public static Activity? Start(GovernanceContext? context)
    {
        Activity? activity = GovernedAiTelemetry.ActivitySource.StartActivity(TelemetryNames.Spans.Request, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true } && context is not null)
        {
            if (context.ContractId is not null)
            {
                activity.SetTag(TelemetryNames.Attributes.ContractId, context.ContractId);
            }

            if (context.TenantId is not null)
            {
                activity.SetTag(TelemetryNames.Attributes.TenantId, context.TenantId);
            }
        }

        return activity;
    }

    /// <summary>Tags the call's outcome on its span; the messages and answer only through <paramref name="sensitive"/>, redacted.</summary>
    public static void Complete(GovernedCall call, string outcome, IEnumerable<ChatMessage> messages, SensitiveDataFormatter? sensitive)
    {
        CallRecord record = call.Record!;
        if (record.Activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        activity.SetTag(TelemetryNames.Attributes.Outcome, outcome);
        if (record.ContractLabel is not null)
        {
            activity.SetTag(TelemetryNames.Attributes.ContractLabel, record.ContractLabel);
        }

        if (record.Usage?.InputTokenCount is long inputTokens)
        {
            activity.SetTag(TelemetryNames.Attributes.GenAiUsageInputTokens, inputTokens);
        }

        if (record.Usage?.OutputTokenCount is long outputTokens)
        {
            activity.SetTag(TelemetryNames.Attributes.GenAiUsageOutputTokens, outputTokens);
        }

        if (record.Error is { } error)
        {
            activity.SetTag(TelemetryNames.Attributes.ErrorType, error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, GovernedAiException.DescribeForTelemetry(error));
        }

        if (sensitive is not null)
        {
            activity.SetTag(TelemetryNames.Attributes.GenAiInputMessages, sensitive.FormatMessages(messages, record.ContractId));
            if (record.Output is not null)
            {
                activity.SetTag(TelemetryNames.Attributes.GenAiOutputMessages, sensitive.FormatOutput(record.Output, record.ContractId));
            }
        }
    }
}
