using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>A rollout a prompt file declares: how a label's traffic is split across versions of the contract.</summary>
public sealed class PromptRollout
{
    /// <summary>Gets the label the rollout serves.</summary>
    /// <value>Defaults to <c>production</c>.</value>
    public string Label { get; init; } = "production";

    /// <summary>Gets the relative weight of each version, by version, in the order the file lists them (the first is the baseline).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Weights { get; init; } = new List<KeyValuePair<string, double>>();

    /// <summary>Gets the version that receives a shadow copy of the label's traffic, or <see langword="null"/>.</summary>
    public string? ShadowVersion { get; init; }
}
