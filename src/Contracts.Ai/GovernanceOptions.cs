using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>The governance data a caller puts on <see cref="ChatOptions"/>, and how the governed pipeline takes it off before the options go further.</summary>
internal static class GovernanceOptions
{
    /// <summary>The prefix of every <see cref="ChatOptions.AdditionalProperties"/> key that belongs to Contracts.Ai.</summary>
    public const string KeyPrefix = "contracts_ai.";

    /// <summary>Gets a value indicating whether <paramref name="options"/> carry any Contracts.Ai entry.</summary>
    public static bool HasGovernanceData(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { Count: > 0 } properties)
        {
            return false;
        }

        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (property.Key.StartsWith(KeyPrefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Replaces <paramref name="options"/> by a copy without any Contracts.Ai entry and returns the governance context
    /// it carried: the caller's own object, which the pipeline's stages only read (a call shares it, see
    /// <see cref="GovernedCall.ShareCallersContext"/>).
    /// </summary>
    public static GovernanceContext? TakeGovernanceData(ref ChatOptions? options, out int? maxInputTokens)
    {
        maxInputTokens = null;
        if (options?.AdditionalProperties is not { Count: > 0 } properties)
        {
            return null;
        }

        GovernanceContext? context = null;
        bool ours = false;
        int others = 0;
        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (!property.Key.StartsWith(KeyPrefix, StringComparison.Ordinal))
            {
                others++;
                continue;
            }

            ours = true;
            if (property.Key == GovernanceContext.PropertyKey && property.Value is GovernanceContext found)
            {
                context = found;
            }
            else if (property.Key == TokenBudgetOptions.MaxInputTokensKey && property.Value is int cap && cap > 0)
            {
                maxInputTokens = cap;
            }
        }

        if (!ours)
        {
            return null;
        }

        AdditionalPropertiesDictionary? kept = null;
        if (others > 0)
        {
            kept = new AdditionalPropertiesDictionary();
            foreach (KeyValuePair<string, object?> property in properties)
            {
                if (!property.Key.StartsWith(KeyPrefix, StringComparison.Ordinal))
                {
                    kept[property.Key] = property.Value;
                }
            }
        }

        // The copy holds the caller's tool list itself: no stage changes a list it was handed (tool governance and
        // contracts give the call's options lists of their own), so copying it would only be replaced.
        options = ChatOptionsCopy.With(options, options.Tools, kept);
        return context;
    }
}
