using System;
using System.Collections.Generic;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Reads the <c>rollout</c> field of a prompt file: the label, the weights per version and the shadow.</summary>
internal static class PromptFileRollout
{
    private static readonly string[] RolloutFields = ["label", "weights", "shadow"];

    internal static PromptRollout? ReadRollout(YamlNode value, PromptFileContext context)
    {
        if (context.Map(value, "rollout") is not { } map)
        {
            return null;
        }

        string label = "production";
        string? shadow = null;
        var weights = new List<KeyValuePair<string, double>>();
        bool hasWeights = false;
        foreach (var (k, v) in context.Fields(map, "rollout", RolloutFields))
        {
            string field = "rollout." + k;
            switch (k)
            {
                case "label":
                    label = context.Text(v, field) ?? label;
                    break;
                case "shadow":
                    shadow = context.Version(v, field);
                    break;
                default:
                    hasWeights = true;
                    if (context.Map(v, field) is not { } weightMap)
                    {
                        break;
                    }

                    double total = 0;
                    foreach (var (versionNode, weightNode) in weightMap.Children)
                    {
                        if (context.Key(versionNode, field) is not { } version)
                        {
                            continue;
                        }

                        string weightField = field + "." + version;
                        context.Positions[weightField] = PromptFileContext.Position(versionNode);
                        if (!SemanticVersion.TryParse(version, out _))
                        {
                            context.Add(versionNode, weightField, $"'{version}' is not a semantic version.", "version-invalid");
                            continue;
                        }

                        if (context.Number(weightNode, weightField) is double weight)
                        {
                            if (weight < 0)
                            {
                                context.Add(weightNode, weightField, "a weight must be 0 or more.");
                            }
                            else
                            {
                                total += weight;
                                weights.Add(new KeyValuePair<string, double>(version, weight));
                            }
                        }
                    }

                    if (weightMap.Children.Count > 0 && total <= 0)
                    {
                        context.Add(v, field, "the weights must add up to more than 0.");
                    }

                    break;
            }
        }

        if (!hasWeights)
        {
            context.Add(map, "rollout.weights", "missing: list each version's weight, such as '1.0.0: 90' and '1.1.0: 10'.");
        }

        return new PromptRollout { Label = label, Weights = weights, ShadowVersion = shadow };
    }
}
