using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// What the pipeline decided for one governed call: created by the outermost stage, carried in the
/// request's options, filled by each stage, and read by the root span, the metrics and the audit.
/// </summary>
/// <remarks>Only created when something observes the call (a listener on the source, or an audit sink).</remarks>
internal sealed class GovernedCall
{
    internal const string PropertyKey = "contracts_ai.call";

    public Activity? Activity { get; set; }

    public string? ContractId { get; set; }

    public string? ContractVersion { get; set; }

    public string? Variant { get; set; }

    public string? ValidationOutcome { get; set; }

    public int ValidationAttempts { get; set; }

    public string? IdempotencyOutcome { get; set; }

    public static GovernedCall? Get(ChatOptions? options) =>
        options?.AdditionalProperties is { } properties &&
        properties.TryGetValue(PropertyKey, out object? value)
            ? value as GovernedCall
            : null;

    public void SetContract(string id, string version)
    {
        ContractId = id;
        ContractVersion = version;
        Activity?.SetTag(TelemetryNames.Attributes.ContractId, id);
        Activity?.SetTag(TelemetryNames.Attributes.ContractVersion, version);
    }

    public void SetVariant(string variant)
    {
        Variant = variant;
        Activity?.SetTag(TelemetryNames.Attributes.Variant, variant);
    }

    public void SetValidation(string outcome, int attempts)
    {
        ValidationOutcome = outcome;
        ValidationAttempts = attempts;
        Activity?.SetTag(TelemetryNames.Attributes.ValidationOutcome, outcome);
        Activity?.SetTag(TelemetryNames.Attributes.ValidationAttempts, attempts);
    }

    public void SetIdempotency(string outcome)
    {
        IdempotencyOutcome = outcome;
        Activity?.SetTag(TelemetryNames.Attributes.IdempotencyOutcome, outcome);
    }
}
