using System.Diagnostics;

namespace Contracts.Ai;

/// <summary>
/// What the contract stage (<see cref="ContractEnforcingChatClient"/>) decided in one observed call: the contract
/// version it resolved, the label it came from, the hash of the prompt it rendered and how output validation went.
/// Written only by that stage, read by the request's span, metrics, log and audit and by a rollout judging the version.
/// </summary>
/// <remarks>Written from the call's own flow (one request at a time), so plain fields suffice.</remarks>
internal sealed class ContractDecision
{
    public string? Id { get; private set; }

    public string? Version { get; private set; }

    /// <summary>Gets the label the version was resolved from, when the request named a label rather than a version.</summary>
    public string? Label { get; private set; }

    /// <summary>Gets a hash of the rendered system prompt (never the prompt itself).</summary>
    public string? RenderedPromptHash { get; set; }

    /// <summary>Gets the validation outcome: <c>passed</c>, <c>reasked</c>, <c>fallback</c> or <c>failed</c>.</summary>
    public string? ValidationOutcome { get; private set; }

    public int ValidationAttempts { get; private set; }

    public void Resolved(string id, string version, string? label, Activity? activity)
    {
        Id = id;
        Version = version;
        activity?.SetTag(TelemetryNames.Attributes.ContractId, id);
        activity?.SetTag(TelemetryNames.Attributes.ContractVersion, version);
        if (label is not null)
        {
            Label = label;
            activity?.SetTag(TelemetryNames.Attributes.ContractLabel, label);
        }
    }

    public void Validated(string outcome, int attempts, Activity? activity)
    {
        ValidationOutcome = outcome;
        ValidationAttempts = attempts;
        activity?.SetTag(TelemetryNames.Attributes.ValidationOutcome, outcome);
        activity?.SetTag(TelemetryNames.Attributes.ValidationAttempts, attempts);
    }
}
