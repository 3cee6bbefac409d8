using System;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>What one routed call (or shadow call) gave its user, as the version's health counts it.</summary>
internal enum RolloutOutcomeKind
{
    /// <summary>The first answer met the contract and no tool call was rejected.</summary>
    Ok,

    /// <summary>The first answer broke the contract; a re-ask fixed it.</summary>
    Reasked,

    /// <summary>The answer broke the contract and the fallback was served.</summary>
    Fallback,

    /// <summary>The answer broke the contract and the call failed (policy Throw, or re-asks exhausted).</summary>
    ContractFailure,

    /// <summary>A tool call was rejected: not allowed, invalid arguments or invalid output.</summary>
    ToolRejected,

    /// <summary>The call failed with an error that is not the provider's.</summary>
    Error,

    /// <summary>The provider or transport failed (connection, timeout, 408, 429, 5xx): not the version's.</summary>
    ProviderFailure,

    /// <summary>The call was stopped for a reason that is not the version's (unsafe input, idempotency conflict): not counted.</summary>
    Rejected,
}

/// <summary>One outcome with its latency and tokens.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct RolloutOutcome(RolloutOutcomeKind Kind, double LatencyMs, long? Tokens)
{
    /// <summary>Gets whether the outcome counts as a sample of the version's health.</summary>
    public bool IsCounted => Kind is not (RolloutOutcomeKind.ProviderFailure or RolloutOutcomeKind.Rejected);

    /// <summary>Gets whether the outcome counts against the version.</summary>
    public bool IsFailure => Kind is RolloutOutcomeKind.Reasked or RolloutOutcomeKind.Fallback or RolloutOutcomeKind.ContractFailure
        or RolloutOutcomeKind.ToolRejected or RolloutOutcomeKind.Error;

    /// <summary>Gets whether the call completed with an answer, so its latency and tokens describe the version.</summary>
    public bool HasAnswer => Kind is RolloutOutcomeKind.Ok or RolloutOutcomeKind.Reasked or RolloutOutcomeKind.Fallback or RolloutOutcomeKind.ToolRejected;

    /// <summary>Gets the outcome's name on metrics: <c>ok</c>, <c>reasked</c>, <c>fallback</c>, <c>contract_failure</c>, <c>tool_rejected</c>, <c>error</c>, <c>provider_failure</c> or <c>rejected</c>.</summary>
    public string Name => NameOf(Kind);

    public static string NameOf(RolloutOutcomeKind kind) => kind switch
    {
        RolloutOutcomeKind.Ok => "ok",
        RolloutOutcomeKind.Reasked => "reasked",
        RolloutOutcomeKind.Fallback => "fallback",
        RolloutOutcomeKind.ContractFailure => "contract_failure",
        RolloutOutcomeKind.ToolRejected => "tool_rejected",
        RolloutOutcomeKind.Error => "error",
        RolloutOutcomeKind.ProviderFailure => "provider_failure",
        _ => "rejected",
    };
}

/// <summary>Reads what a routed call gave its user from the call's state and how it ended.</summary>
internal static class RolloutOutcomes
{
    /// <summary>Classifies a finished call.</summary>
    /// <param name="observed">The call state the inner stages recorded into.</param>
    /// <param name="error">The exception the call ended with, or <see langword="null"/>.</param>
    /// <param name="latencyMs">How long the call took.</param>
    /// <param name="usage">The tokens the model reported.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public static RolloutOutcome Classify(GovernedCall? observed, Exception? error, double latencyMs, UsageDetails? usage, CancellationToken cancellationToken)
    {
        RolloutOutcomeKind kind = error switch
        {
            null => FromCall(observed),
            ContractViolationException => RolloutOutcomeKind.ContractFailure,
            ToolArgumentViolationException or ToolOutputViolationException => RolloutOutcomeKind.ToolRejected,
            ContextBudgetExceededException => RolloutOutcomeKind.Error,
            GovernedAiException => RolloutOutcomeKind.Rejected,
            _ when ProviderFailures.IsProviderFailure(error, cancellationToken) => RolloutOutcomeKind.ProviderFailure,
            _ => RolloutOutcomeKind.Error,
        };
        return new RolloutOutcome(kind, latencyMs, Tokens(usage));
    }

    public static long? Tokens(UsageDetails? usage) =>
        usage is null ? null
        : usage.TotalTokenCount ?? (usage.InputTokenCount is null && usage.OutputTokenCount is null ? null : (usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0));

    private static RolloutOutcomeKind FromCall(GovernedCall? observed)
    {
        if (observed is null)
        {
            return RolloutOutcomeKind.Ok;
        }

        switch (observed.Record?.Contract?.ValidationOutcome)
        {
            case "reasked":
                return RolloutOutcomeKind.Reasked;
            case "fallback":
                return RolloutOutcomeKind.Fallback;
            case "failed":
                return RolloutOutcomeKind.ContractFailure;
        }

        if (observed.Record?.ToolCalls?.AnyRejected() == true)
        {
            return RolloutOutcomeKind.ToolRejected;
        }

        return RolloutOutcomeKind.Ok;
    }
}
