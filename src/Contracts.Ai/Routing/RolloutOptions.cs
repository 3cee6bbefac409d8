using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>A rollout of one contract: the versions a label's traffic is split across, an optional shadow version, and automatic rollback and promotion.</summary>
public sealed class RolloutOptions
{
    /// <summary>Gets or sets the label the rollout serves; requests that name no version, or name this label, are routed.</summary>
    /// <value>Defaults to <c>production</c>.</value>
    public string Label { get; set; } = "production";

    /// <summary>Gets or sets the weighted versions. The first is the baseline: it is never rolled back.</summary>
    public IList<RolloutVariant> Variants { get; set; } = new List<RolloutVariant>();

    /// <summary>Gets or sets a version that receives a copy of routed requests in the background; its answers are validated and compared, never returned.</summary>
    /// <value>Defaults to <see langword="null"/>: no shadow.</value>
    public string? ShadowVersion { get; set; }

    /// <summary>Gets or sets the share of routed requests copied to <see cref="ShadowVersion"/>, from 0 to 1.</summary>
    /// <value>Defaults to 1.</value>
    public double ShadowSampleRate { get; set; } = 1.0;

    /// <summary>Gets or sets automatic rollback of non-baseline versions.</summary>
    public AutoRollbackOptions AutoRollback { get; set; } = new();

    /// <summary>Gets or sets automatic promotion of a candidate that is non-inferior to the baseline.</summary>
    /// <value>Defaults to off.</value>
    public AutoPromoteOptions AutoPromote { get; set; } = new();

    internal void Validate(string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(Label))
        {
            errors.Add($"{path}:Label must not be empty.");
        }

        if (Variants is null || Variants.Count == 0)
        {
            errors.Add($"{path}:Variants must list at least one version.");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            double total = 0;
            for (int i = 0; i < Variants.Count; i++)
            {
                RolloutVariant? variant = Variants[i];
                if (variant is null || string.IsNullOrWhiteSpace(variant.Version))
                {
                    errors.Add($"{path}:Variants:{i}:Version must not be empty.");
                    continue;
                }

                if (!seen.Add(variant.Name ?? variant.Version))
                {
                    errors.Add($"{path}:Variants:{i} repeats variant '{variant.Name ?? variant.Version}'.");
                }

                if (variant.Weight < 0 || double.IsNaN(variant.Weight) || double.IsInfinity(variant.Weight))
                {
                    errors.Add($"{path}:Variants:{i}:Weight must be a non-negative number, but was {variant.Weight}.");
                }
                else
                {
                    total += variant.Weight;
                }
            }

            if (total <= 0)
            {
                errors.Add($"{path}:Variants weights must add up to more than 0.");
            }
        }

        if (ShadowSampleRate is < 0 or > 1 || double.IsNaN(ShadowSampleRate))
        {
            errors.Add($"{path}:ShadowSampleRate must be between 0 and 1, but was {ShadowSampleRate}.");
        }

        if (AutoRollback is null)
        {
            errors.Add($"{path}:AutoRollback must not be null.");
        }
        else
        {
            AutoRollback.Validate($"{path}:AutoRollback", errors);
        }

        if (AutoPromote is null)
        {
            errors.Add($"{path}:AutoPromote must not be null.");
        }
        else
        {
            AutoPromote.Validate($"{path}:AutoPromote", errors);
        }
    }
}
