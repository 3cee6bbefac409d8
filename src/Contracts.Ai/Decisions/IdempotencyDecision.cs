using System.Diagnostics;

namespace Contracts.Ai;

/// <summary>
/// What the request idempotency stage (<see cref="RequestIdempotencyChatClient"/>) decided in one observed call: whether
/// the response was produced (<c>executed</c>) or replayed from a completed call with the same key (<c>replayed</c>).
/// Written only by that stage, read by the request's span, log and audit.
/// </summary>
internal sealed class IdempotencyDecision
{
    public const string Executed = "executed";

    public const string Replayed = "replayed";

    public string? Outcome { get; private set; }

    public void Decided(string outcome, Activity? activity)
    {
        Outcome = outcome;
        activity?.SetTag(TelemetryNames.Attributes.IdempotencyOutcome, outcome);
    }
}
