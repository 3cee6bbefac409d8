namespace Contracts.Ai;

/// <summary>The health of one version in a rollout, as this instance has measured it since it started.</summary>
/// <remarks>A snapshot; counts are per instance (decisions, not counts, are shared by a fleet).</remarks>
public sealed class RolloutVersionHealth
{
    /// <summary>Gets the version.</summary>
    public required string Version { get; init; }

    /// <summary>Gets whether the version is the rollout's baseline (its first variant).</summary>
    public bool IsBaseline { get; init; }

    /// <summary>Gets how many outcomes count toward the version's health (provider failures and rejected inputs excluded), shadow calls included.</summary>
    public long Samples { get; init; }

    /// <summary>Gets how many of <see cref="Samples"/> count against the version.</summary>
    public long Failures { get; init; }

    /// <summary>Gets how many first answers broke the contract, whatever the failure policy then did.</summary>
    public long FirstAnswerFailures { get; init; }

    /// <summary>Gets how many fallbacks were served.</summary>
    public long Fallbacks { get; init; }

    /// <summary>Gets how many calls had a tool call rejected.</summary>
    public long ToolRejections { get; init; }

    /// <summary>Gets how many calls failed with an error that is not the provider's.</summary>
    public long Errors { get; init; }

    /// <summary>Gets how many calls failed because of the provider or transport; they do not count toward <see cref="Samples"/>.</summary>
    public long ProviderFailures { get; init; }

    /// <summary>Gets how many of the outcomes came from shadow calls.</summary>
    public long ShadowSamples { get; init; }

    /// <summary>Gets the posterior mean failure rate (Beta(1, 1) prior).</summary>
    public double FailureRate { get; init; }

    /// <summary>Gets the 95th-percentile latency over the latest calls, in milliseconds, or <see langword="null"/> before any answer.</summary>
    public double? P95LatencyMs { get; init; }

    /// <summary>Gets the mean tokens per call over the latest calls that reported usage, or <see langword="null"/> when none did.</summary>
    public double? MeanTokens { get; init; }

    /// <summary>Gets the lowest failure rate the version's confidence sequence allows, at the rollback's confidence (each version's sequence at level <c>(1 - Confidence) / 2</c>).</summary>
    /// <remarks>A candidate is rolled back when its lower bound exceeds the baseline's <see cref="FailureRateUpperBound"/> by more than the margin.</remarks>
    public double FailureRateLowerBound { get; init; }

    /// <summary>Gets the highest failure rate the version's confidence sequence allows, at the rollback's confidence.</summary>
    public double FailureRateUpperBound { get; init; }
}
