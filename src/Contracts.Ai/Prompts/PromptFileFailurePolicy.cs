using System;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Reads the <c>on_failure</c> field of a prompt file: the policy, the re-asks and the fallback.</summary>
internal static class PromptFileFailurePolicy
{
    private static readonly string[] OnFailureFields = ["policy", "max_reasks", "fallback"];

    internal static void ReadOnFailure(YamlNode value, ref ContractFailurePolicy policy, ref int maxReasks, ref string? fallback, PromptFileContext context)
    {
        if (value is YamlScalarNode)
        {
            policy = ParsePolicy(value, "on_failure", context);
            return;
        }

        if (context.Map(value, "on_failure") is not { } map)
        {
            return;
        }

        bool reasksSet = false;
        foreach (var (k, v) in context.Fields(map, "on_failure", OnFailureFields))
        {
            string field = "on_failure." + k;
            switch (k)
            {
                case "policy":
                    policy = ParsePolicy(v, field, context);
                    break;
                case "max_reasks":
                    maxReasks = context.Int(v, field, 0, 10) ?? maxReasks;
                    reasksSet = true;
                    break;
                default:
                    fallback = context.Text(v, field);
                    break;
            }
        }

        if (reasksSet && policy != ContractFailurePolicy.Reask)
        {
            context.AddAt(context.Positions["on_failure"], "on_failure.max_reasks", "max_reasks applies only to the reask policy.");
        }
    }

    internal static ContractFailurePolicy ParsePolicy(YamlNode value, string field, PromptFileContext context)
    {
        switch (context.Text(value, field))
        {
            case null or "throw":
                return ContractFailurePolicy.Throw;
            case "reask":
                return ContractFailurePolicy.Reask;
            case "fallback":
                return ContractFailurePolicy.Fallback;
            case var other:
                context.Add(value, field, $"'{other}' is not an on-failure policy; expected throw, reask or fallback.");
                return ContractFailurePolicy.Throw;
        }
    }
}
