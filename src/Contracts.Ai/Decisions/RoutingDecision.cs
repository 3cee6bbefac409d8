using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// What the routing stage (<see cref="PromptRoutingChatClient"/>) decided in one observed call: the rollout label and
/// variant that served it, and the rollout decisions (automatic rollbacks) the call's outcome triggered. Written only
/// by that stage and its rollout controller, read by the request's span, metrics, log and audit.
/// </summary>
/// <remarks>Rollout events may be added from another thread than the call's (a rollback judged on completion).</remarks>
internal sealed class RoutingDecision
{
    private ConcurrentQueue<string>? _rolloutEvents;

    public string? Label { get; private set; }

    public string? Variant { get; private set; }

    /// <summary>Gets the rollout decisions this call triggered; <see langword="null"/> until the first.</summary>
    public ConcurrentQueue<string>? RolloutEvents => Volatile.Read(ref _rolloutEvents);

    public void Routed(string label, string variant, Activity? activity)
    {
        Label = label;
        Variant = variant;
        activity?.SetTag(TelemetryNames.Attributes.ContractLabel, label);
        activity?.SetTag(TelemetryNames.Attributes.Variant, variant);
    }

    public void AddRolloutEvent(string description) => LazyInitializer.EnsureInitialized(ref _rolloutEvents).Enqueue(description);
}
