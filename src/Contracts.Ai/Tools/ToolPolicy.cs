using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>The settings made on one tool with the <see cref="GovernedAIFunctionExtensions"/>; <see langword="null"/> means "use the options".</summary>
internal sealed record ToolPolicy
{
    public static ToolPolicy Empty { get; } = new();

    public ToolOutputContract? OutputContract { get; init; }

    public TimeSpan? Timeout { get; init; }

    public int? MaxOutputBytes { get; init; }

    public int? MaxOutputTokens { get; init; }

    public ITokenCounter? TokenCounter { get; init; }

    /// <summary>Set when the tool is marked safe to retry: how many retries.</summary>
    public int? MaxRetryAttempts { get; init; }

    public TimeSpan? RetryDelay { get; init; }

    public bool Idempotent { get; init; }

    /// <summary>The argument names in the idempotency key; empty: every argument.</summary>
    public IReadOnlyList<string> IdempotencyKeyArguments { get; init; } = Array.Empty<string>();

    /// <summary>Fills every setting the tool does not make itself from <paramref name="options"/>.</summary>
    /// <remarks>
    /// Idempotent is not safe to retry: a side effect that timed out may still be running, so an idempotent tool is
    /// retried only when it is also marked safe to retry, and then never after a timeout.
    /// </remarks>
    public ToolPolicy WithDefaults(string toolName, ToolGovernanceOptions options)
    {
        bool idempotent = Idempotent || Contains(options.IdempotentTools, toolName);
        bool safeToRetry = Contains(options.SafeToRetryTools, toolName);
        return this with
        {
            Timeout = Timeout ?? options.DefaultTimeout,
            MaxOutputBytes = MaxOutputBytes ?? options.MaxOutputBytes,
            MaxOutputTokens = MaxOutputTokens ?? options.MaxOutputTokens,
            MaxRetryAttempts = MaxRetryAttempts ?? (safeToRetry ? options.MaxRetryAttempts : null),
            RetryDelay = RetryDelay ?? options.RetryDelay,
            Idempotent = idempotent,
        };
    }

    internal static bool Contains(IList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
