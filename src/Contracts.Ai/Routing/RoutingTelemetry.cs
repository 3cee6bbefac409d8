using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Contracts.Ai;

/// <summary>The telemetry of prompt routing: rollback events and the shadow span.</summary>
internal static class RoutingTelemetry
{
    public const string ShadowSpan = "contracts_ai.shadow";
    public const string RollbackEvent = "contracts_ai.rollback";
    public const string RollbacksMetric = "contracts_ai.rollout.rollbacks";
    public const string ShadowCallsMetric = "contracts_ai.shadow.calls";
    public const string FailoverEvent = "contracts_ai.failover";
    public const string ShadowOutcome = "contracts_ai.shadow.outcome";
    public const string ShadowVersion = "contracts_ai.shadow.version";
    public const string ShadowDuration = "contracts_ai.shadow.duration_ms";
    public const string ShadowInputTokens = "gen_ai.usage.input_tokens";
    public const string ShadowOutputTokens = "gen_ai.usage.output_tokens";
    public const string ContractLabel = "contracts_ai.contract.label";
    public const string RollbackReason = "contracts_ai.rollback.reason";
    public const string Failover = "contracts_ai.failover";

    public static readonly Counter<long> Rollbacks = GovernedAiTelemetry.Meter.CreateCounter<long>(
        RollbacksMetric, "{rollback}", "Candidate prompt versions rolled back automatically.");

    public static readonly Counter<long> ShadowCalls = GovernedAiTelemetry.Meter.CreateCounter<long>(
        ShadowCallsMetric, "{call}", "Shadow calls made to candidate prompt versions, by outcome.");

    public static void RecordRollback(string contractId, string version, Activity? activity, string reason)
    {
        if (Rollbacks.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contractId },
                { TelemetryNames.Attributes.ContractVersion, version },
            };
            Rollbacks.Add(1, tags);
        }

        activity?.AddEvent(new ActivityEvent(RollbackEvent, tags: new ActivityTagsCollection
        {
            [TelemetryNames.Attributes.ContractId] = contractId,
            [TelemetryNames.Attributes.ContractVersion] = version,
            [RollbackReason] = reason,
        }));
    }

    public static void RecordShadow(string contractId, string version, string outcome)
    {
        if (ShadowCalls.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contractId },
                { TelemetryNames.Attributes.ContractVersion, version },
                { ShadowOutcome, outcome },
            };
            ShadowCalls.Add(1, tags);
        }
    }
}
