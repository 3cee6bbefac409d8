namespace Contracts.Ai;

/// <summary>How a shadow call's answer compared with the primary answer of the call it copied.</summary>
public sealed class ShadowComparison
{
    /// <summary>Gets the version that served the primary answer.</summary>
    public required string PrimaryVersion { get; init; }

    /// <summary>Gets the shadow version.</summary>
    public required string ShadowVersion { get; init; }

    /// <summary>Gets the primary call's outcome: <c>ok</c>, <c>reasked</c>, <c>fallback</c>, <c>contract_failure</c>, <c>tool_rejected</c>, <c>error</c>, <c>provider_failure</c> or <c>rejected</c>.</summary>
    public required string PrimaryOutcome { get; init; }

    /// <summary>Gets the shadow call's outcome, with the same values as <see cref="PrimaryOutcome"/>.</summary>
    public required string ShadowOutcome { get; init; }

    /// <summary>Gets why the shadow answer was rejected (contract violations, tool-call problems), or <see langword="null"/>; never answer text.</summary>
    public string? ShadowProblem { get; init; }

    /// <summary>Gets how much the two answers agree, from 0 to 1: the share of equal leaf values of their structured output (or of their tool calls: names and arguments), or <see langword="null"/> when either has no answer.</summary>
    public double? Agreement { get; init; }

    /// <summary>Gets the primary call's latency in milliseconds.</summary>
    public double PrimaryLatencyMs { get; init; }

    /// <summary>Gets the shadow call's latency in milliseconds.</summary>
    public double ShadowLatencyMs { get; init; }

    /// <summary>Gets the primary call's total tokens, or <see langword="null"/> when the model reported none.</summary>
    public long? PrimaryTokens { get; init; }

    /// <summary>Gets the shadow call's total tokens, or <see langword="null"/> when the model reported none.</summary>
    public long? ShadowTokens { get; init; }
}
