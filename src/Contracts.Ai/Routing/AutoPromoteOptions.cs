using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>
/// When a candidate is promoted on its own: once it has served <see cref="MinimumSamples"/> calls and is
/// non-inferior to the baseline, its rollout's label moves to it (a change event, like a promotion by hand).
/// </summary>
/// <remarks>
/// Non-inferior: the highest failure rate the candidate's confidence sequence allows is below the lowest the baseline's
/// allows plus <see cref="Margin"/>, each sequence at level <c>(1 - Confidence) / 2</c> (see <see cref="AutoRollbackOptions"/>),
/// so a candidate worse than the baseline by more than the margin is promoted with probability at most <c>1 - Confidence</c>;
/// the failures are counted as for <see cref="AutoRollbackOptions"/>, and the latency and cost guards of
/// <see cref="AutoRollbackOptions"/> (when set) must not be tripped. Tighter margins need more samples: at a 3 % failure
/// rate on both sides, a margin of 0.08 is reached after about 300 outcomes each, 0.05 after about 850, 0.02 after several thousand.
/// </remarks>
public sealed class AutoPromoteOptions
{
    /// <summary>Gets or sets a value indicating whether candidates are promoted automatically.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets how many outcomes the candidate (and the baseline) need before it can be promoted.</summary>
    /// <value>Defaults to 1000.</value>
    public int MinimumSamples { get; set; } = 1000;

    /// <summary>Gets or sets the non-inferiority margin: how much worse than the baseline the candidate may be and still be promoted, from 0 to 1.</summary>
    /// <value>Defaults to 0.02 (two percentage points).</value>
    public double Margin { get; set; } = 0.02;

    /// <summary>Gets or sets how sure the decision must be that the candidate is within <see cref="Margin"/> of the baseline, above 0.5 and below 1.</summary>
    /// <value>Defaults to 0.95.</value>
    public double Confidence { get; set; } = 0.95;

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
    }
}
