using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Contracts.Ai;

/// <summary>The telemetry of prompt routing: per-version outcomes, latency and tokens; rollbacks, promotions, deprecation shifts; the shadow span.</summary>
internal static class RoutingTelemetry
{
    public const string ShadowSpan = "contracts_ai.shadow";
    public const string RollbackEvent = "contracts_ai.rollback";
    public const string RollbacksMetric = "contracts_ai.rollout.rollbacks";
    public const string PromotionsMetric = "contracts_ai.rollout.promotions";
    public const string CallsMetric = "contracts_ai.rollout.calls";
    public const string DurationMetric = "contracts_ai.rollout.duration";
    public const string TokensMetric = "contracts_ai.rollout.tokens";
    public const string DeprecationShiftsMetric = "contracts_ai.rollout.deprecation_shifts";
    public const string ShadowCallsMetric = "contracts_ai.shadow.calls";
    public const string ShadowAgreementMetric = "contracts_ai.shadow.agreement";
    public const string FailoverEvent = "contracts_ai.failover";
    public const string ShadowOutcome = "contracts_ai.shadow.outcome";
    public const string ShadowVersion = "contracts_ai.shadow.version";
    public const string ShadowDuration = "contracts_ai.shadow.duration_ms";
    public const string ShadowAgreement = "contracts_ai.shadow.agreement";
    public const string ShadowPrimaryOutcome = "contracts_ai.shadow.primary_outcome";
    public const string ShadowInputTokens = "gen_ai.usage.input_tokens";
    public const string ShadowOutputTokens = "gen_ai.usage.output_tokens";
    public const string ContractLabel = "contracts_ai.contract.label";
    public const string RollbackReason = "contracts_ai.rollback.reason";
    public const string Failover = "contracts_ai.failover";
    public const string RolloutOutcome = "contracts_ai.rollout.outcome";
    public const string Traffic = "contracts_ai.traffic";
    public const string PrimaryVersion = "contracts_ai.primary.version";
    public const string ReplacedBy = "contracts_ai.contract.replaced_by";

    public static readonly Counter<long> Rollbacks = GovernedAiTelemetry.Meter.CreateCounter<long>(
        RollbacksMetric, "{rollback}", "Candidate prompt versions rolled back.");

    public static readonly Counter<long> Promotions = GovernedAiTelemetry.Meter.CreateCounter<long>(
        PromotionsMetric, "{promotion}", "Candidate prompt versions promoted (the rollout's label moved to them).");

    public static readonly Counter<long> Calls = GovernedAiTelemetry.Meter.CreateCounter<long>(
        CallsMetric, "{call}", "Routed and shadow calls by contract, version, variant and outcome, as the version's health counts them.");

    public static readonly Histogram<double> Duration = GovernedAiTelemetry.Meter.CreateHistogram<double>(
        DurationMetric, "s", "Latency of routed and shadow calls by contract, version and variant.");

    public static readonly Histogram<long> Tokens = GovernedAiTelemetry.Meter.CreateHistogram<long>(
        TokensMetric, "{token}", "Total tokens per routed or shadow call by contract, version and variant.");

    public static readonly Counter<long> DeprecationShifts = GovernedAiTelemetry.Meter.CreateCounter<long>(
        DeprecationShiftsMetric, "{call}", "Calls moved from a deprecated version to its replacement.");

    public static readonly Counter<long> ShadowCalls = GovernedAiTelemetry.Meter.CreateCounter<long>(
        ShadowCallsMetric, "{call}", "Shadow calls made to candidate prompt versions, by outcome.");

    public static readonly Histogram<double> ShadowAgreements = GovernedAiTelemetry.Meter.CreateHistogram<double>(
        ShadowAgreementMetric, "1", "Agreement of shadow answers with the primary's, from 0 to 1.");

    public static void RecordOutcome(string contractId, string version, string? variant, in RolloutOutcome outcome, bool shadow)
    {
        if (!Calls.Enabled && !Duration.Enabled && !Tokens.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { TelemetryNames.Attributes.ContractId, contractId },
            { TelemetryNames.Attributes.ContractVersion, version },
            { TelemetryNames.Attributes.Variant, shadow ? "shadow" : variant ?? version },
            { Traffic, shadow ? "shadow" : "primary" },
        };
        if (outcome.HasAnswer && outcome.Tokens is long tokens)
        {
            Tokens.Record(tokens, tags);
        }

        tags.Add(RolloutOutcome, outcome.Name);
        Calls.Add(1, tags);
        if (outcome.Kind is not (RolloutOutcomeKind.ProviderFailure or RolloutOutcomeKind.Rejected))
        {
            Duration.Record(outcome.LatencyMs / 1000.0, tags);
        }
    }

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

    public static void RecordPromotion(string contractId, string version)
    {
        if (Promotions.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contractId },
                { TelemetryNames.Attributes.ContractVersion, version },
            };
            Promotions.Add(1, tags);
        }
    }

    public static void RecordDeprecationShift(string contractId, string deprecated, string replacement)
    {
        if (DeprecationShifts.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contractId },
                { TelemetryNames.Attributes.ContractVersion, deprecated },
                { ReplacedBy, replacement },
            };
            DeprecationShifts.Add(1, tags);
        }
    }

    public static void RecordShadow(string contractId, string version, string primaryVersion, string outcome, double? agreement)
    {
        if (ShadowCalls.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contractId },
                { TelemetryNames.Attributes.ContractVersion, version },
                { PrimaryVersion, primaryVersion },
                { ShadowOutcome, outcome },
            };
            ShadowCalls.Add(1, tags);
        }

        if (agreement is double value && ShadowAgreements.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contractId },
                { TelemetryNames.Attributes.ContractVersion, version },
                { PrimaryVersion, primaryVersion },
            };
            ShadowAgreements.Record(value, tags);
        }
    }
}
