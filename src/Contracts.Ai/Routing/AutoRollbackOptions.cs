using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>
/// When a candidate version is rolled back: when it is worse than the baseline (the rollout's first variant) by more
/// than <see cref="Margin"/>, at <see cref="Confidence"/>; optionally also when its latency or
/// cost is worse by more than a set share.
/// </summary>
/// <remarks>
/// <para>
/// A call counts against a version when its first answer broke the contract (whatever the failure policy then did:
/// re-ask, fallback or throw), when a fallback was served, when a tool call was rejected (not allowed, invalid
/// arguments, invalid output), or when it failed with an error that is not the provider's. Provider and transport
/// failures (connection errors, timeouts, HTTP 408, 429 and 5xx, <c>ClientResultException</c> with such a status) and
/// cancellations by the caller count for neither version.
/// </para>
/// <para>
/// The decision is a sequential test that stays sound under continuous monitoring. Each version's failure rate gets a
/// confidence sequence (Robbins' beta-binomial mixture: bounds that hold at every sample size at once, with probability
/// at least <c>1 - (1 - Confidence) / 2</c>). Once the candidate has <see cref="MinimumSamples"/> outcomes, after each
/// of its outcomes, it is rolled back when the lowest rate its sequence allows exceeds the highest the baseline's allows
/// by more than <see cref="Margin"/>. A candidate no worse than the baseline plus the margin is therefore rolled back
/// with probability at most <c>1 - Confidence</c> over the whole rollout, however long it runs. The false-rollback rate
/// on A/A traffic and the detection delay are measured in <c>benchmarks/RESULTS.md</c>. Counts are per instance; the
/// decision is shared through <see cref="IRolloutStateStore"/>.
/// </para>
/// </remarks>
public sealed class AutoRollbackOptions
{
    /// <summary>Gets or sets a value indicating whether candidates are rolled back automatically.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how many outcomes a candidate needs before it can be rolled back; the baseline needs as many to be compared with.</summary>
    /// <value>Defaults to 20.</value>
    public int MinimumSamples { get; set; } = 20;

    /// <summary>Gets or sets by how much the candidate's failure rate may exceed the baseline's before it is rolled back, from 0 to 1.</summary>
    /// <value>Defaults to 0.05 (five percentage points).</value>
    public double Margin { get; set; } = 0.05;

    /// <summary>Gets or sets how sure the decision must be that the candidate is worse by more than <see cref="Margin"/>, above 0.5 and below 1: a candidate that is not is rolled back with probability at most <c>1 - Confidence</c> over the whole rollout.</summary>
    /// <value>Defaults to 0.99.</value>
    public double Confidence { get; set; } = 0.99;

    /// <summary>Gets or sets the baseline failure rate the candidate is compared with while the baseline has fewer than <see cref="MinimumSamples"/> outcomes (for example, when all traffic is on the candidate), from 0 to 1.</summary>
    /// <value>Defaults to 0.25.</value>
    public double FailureRateThreshold { get; set; } = 0.25;

    /// <summary>Gets or sets the latency guard: the candidate is rolled back when its 95th-percentile latency exceeds the baseline's by more than this share (0.5: 50 % slower).</summary>
    /// <value>Defaults to <see langword="null"/>: no latency guard.</value>
    public double? MaxLatencyIncrease { get; set; }

    /// <summary>Gets or sets the cost guard: the candidate is rolled back when its mean tokens per call exceed the baseline's by more than this share (0.3: 30 % more tokens).</summary>
    /// <value>Defaults to <see langword="null"/>: no cost guard.</value>
    public double? MaxTokensIncrease { get; set; }

    /// <summary>Gets or sets how many of each version's latest calls the latency and cost guards compare.</summary>
    /// <value>Defaults to 200.</value>
    public int WindowSize { get; set; } = 200;

    internal void Validate(string path, List<string> errors)
    {
        if (MinimumSamples < 1)
        {
            errors.Add($"{path}:MinimumSamples must be at least 1, but was {MinimumSamples}.");
        }

        if (Margin is < 0 or >= 1 || double.IsNaN(Margin))
        {
            errors.Add($"{path}:Margin must be at least 0 and below 1, but was {Margin}.");
        }

        if (Confidence is <= 0.5 or >= 1 || double.IsNaN(Confidence))
        {
            errors.Add($"{path}:Confidence must be above 0.5 and below 1, but was {Confidence}.");
        }

        if (FailureRateThreshold is < 0 or >= 1 || double.IsNaN(FailureRateThreshold))
        {
            errors.Add($"{path}:FailureRateThreshold must be at least 0 and below 1, but was {FailureRateThreshold}.");
        }

        if (MaxLatencyIncrease is double latency && (latency <= 0 || double.IsNaN(latency) || double.IsInfinity(latency)))
        {
            errors.Add($"{path}:MaxLatencyIncrease must be a positive share (0.5 for 50 %), but was {latency}.");
        }

        if (MaxTokensIncrease is double tokens && (tokens <= 0 || double.IsNaN(tokens) || double.IsInfinity(tokens)))
        {
            errors.Add($"{path}:MaxTokensIncrease must be a positive share (0.3 for 30 %), but was {tokens}.");
        }

        if (WindowSize is < 10 or > 100_000)
        {
            errors.Add($"{path}:WindowSize must be between 10 and 100000, but was {WindowSize}.");
        }
    }
}
