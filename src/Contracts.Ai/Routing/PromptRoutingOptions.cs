using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Options for prompt routing and progressive delivery: rollouts per contract, shadow traffic and automatic rollback.</summary>
/// <remarks>Bindable from configuration section <c>GovernedAi:Routing</c> (rollouts also from <c>GovernedAi:Rollouts</c>); validated once at start.</remarks>
public sealed class PromptRoutingOptions
{
    /// <summary>Gets or sets the rollouts, by contract id.</summary>
    /// <value>Defaults to none: every request resolves its contract label as the registry says.</value>
    /// <remarks>
    /// Read when the pipeline is built (from code, configuration and prompt files), so every instance of a fleet
    /// configured alike has the same weights; they are not shared state. What changes at runtime is shared through
    /// the stores: rollback decisions (<see cref="IRolloutStateStore"/>) and label moves (<see cref="IPromptLabelStore"/>).
    /// </remarks>
    public IDictionary<string, RolloutOptions> Rollouts { get; set; } = new Dictionary<string, RolloutOptions>(StringComparer.Ordinal);

    /// <summary>Gets or sets how often rollback decisions and label positions set by other instances (through a shared <see cref="IRolloutStateStore"/> and <see cref="IPromptLabelStore"/>) are read.</summary>
    /// <value>Defaults to 5 seconds. A rollback decided or a label moved in this instance applies here at once.</value>
    public TimeSpan StateRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the most shadow calls running at once in this process; more are skipped, never queued.</summary>
    /// <value>Defaults to 4.</value>
    public int MaxConcurrentShadowCalls { get; set; } = 4;

    /// <summary>Gets or sets the name of this app instance in change events (<see cref="PromptChangeEvent.InstanceId"/>).</summary>
    /// <value>Defaults to <see langword="null"/>: the machine name and process id, such as <c>web-7f9c:4120</c>.</value>
    public string? InstanceId { get; set; }

    internal void Validate(string path, List<string> errors)
    {
        if (Rollouts is null)
        {
            errors.Add($"{path}:Rollouts must not be null.");
            return;
        }

        if (StateRefreshInterval <= TimeSpan.Zero)
        {
            errors.Add($"{path}:StateRefreshInterval must be positive, but was {StateRefreshInterval}.");
        }

        if (MaxConcurrentShadowCalls < 0)
        {
            errors.Add($"{path}:MaxConcurrentShadowCalls must not be negative, but was {MaxConcurrentShadowCalls}.");
        }

        foreach (KeyValuePair<string, RolloutOptions> rollout in Rollouts)
        {
            rollout.Value?.Validate($"{path}:Rollouts:{rollout.Key}", errors);
        }
    }
}
