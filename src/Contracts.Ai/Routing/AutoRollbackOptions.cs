using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>When a candidate version is rolled back: a failure rate over a sliding window of its latest outcomes.</summary>
/// <remarks>Failures are contract violations, tool rejections and errors; cancellations do not count.</remarks>
public sealed class AutoRollbackOptions
{
    /// <summary>Gets or sets a value indicating whether candidates are rolled back automatically.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how many of a version's latest outcomes the failure rate is computed over.</summary>
    /// <value>Defaults to 50.</value>
    public int WindowSize { get; set; } = 50;

    /// <summary>Gets or sets how many outcomes a version needs before it can be rolled back.</summary>
    /// <value>Defaults to 20.</value>
    public int MinimumSamples { get; set; } = 20;

    /// <summary>Gets or sets the failure rate above which a candidate is rolled back, from 0 to 1.</summary>
    /// <value>Defaults to 0.25.</value>
    public double FailureRateThreshold { get; set; } = 0.25;

    internal void Validate(string path, List<string> errors)
    {
        if (WindowSize < 1)
        {
            errors.Add($"{path}:WindowSize must be at least 1, but was {WindowSize}.");
        }

        if (MinimumSamples < 1 || MinimumSamples > WindowSize)
        {
            errors.Add($"{path}:MinimumSamples must be between 1 and WindowSize ({WindowSize}), but was {MinimumSamples}.");
        }

        if (FailureRateThreshold is < 0 or > 1 || double.IsNaN(FailureRateThreshold))
        {
            errors.Add($"{path}:FailureRateThreshold must be between 0 and 1, but was {FailureRateThreshold}.");
        }
    }
}
