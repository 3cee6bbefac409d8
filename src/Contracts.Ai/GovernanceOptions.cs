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
    /// Replaces <paramref name="options"/> by a copy without any Contracts.Ai entry and returns a copy of the
    /// governance context it carried, so that stages may change the call's context without touching the caller's.
    /// </summary>
    public static GovernanceContext? TakeGovernanceData(ref ChatOptions? options, out int? maxInputTokens)
    {
        maxInputTokens = null;
        if (!HasGovernanceData(options))
        {
            return null;
        }

        GovernanceContext? context = null;
        AdditionalPropertiesDictionary? kept = null;
        foreach (KeyValuePair<string, object?> property in options!.AdditionalProperties!)
        {
            if (!property.Key.StartsWith(KeyPrefix, StringComparison.Ordinal))
            {
                (kept ??= new AdditionalPropertiesDictionary())[property.Key] = property.Value;
            }
            else if (property.Key == GovernanceContext.PropertyKey && property.Value is GovernanceContext found)
            {
                context = found.Clone();
            }
            else if (property.Key == TokenBudgetOptions.MaxInputTokensKey && property.Value is int cap && cap > 0)
            {
                maxInputTokens = cap;
            }
        }

        options = options.Clone();
        options.AdditionalProperties = kept;
        return context;
    }
}
