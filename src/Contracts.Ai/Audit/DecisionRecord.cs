using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>
/// What was decided for one governed call, from request to outcome: which contract version and
/// variant, what context and tools were used, how validation and budgeting went, and how it ended.
/// </summary>
/// <remarks>
/// One record is written to every registered <see cref="IAuditSink"/> per governed call. A record
/// never holds prompt text, tool arguments or results: only ids, hashes, counts and outcomes.
/// Records are immutable once written; sinks may read them from any thread.
/// </remarks>
public sealed class DecisionRecord
{
    /// <summary>Gets when the call started (UTC).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets how long the call took, in milliseconds.</summary>
    public double DurationMs { get; init; }

    /// <summary>Gets the W3C trace id of the call's span (or of the app's span when nothing traces Contracts.Ai), or <see langword="null"/> when the call ran outside any trace.</summary>
    public string? TraceId { get; init; }

    /// <summary>Gets the W3C span id of the call's <c>contracts_ai.request</c> span (or of the app's span), or <see langword="null"/>.</summary>
    public string? SpanId { get; init; }

    /// <summary>Gets the tenant the call was made for, or <see langword="null"/>.</summary>
    public string? TenantId { get; init; }

    /// <summary>Gets a hash of the session the call continued (scoped by tenant and user; never the session id itself), or <see langword="null"/> when it named none.</summary>
    public string? SessionIdHash { get; init; }

    /// <summary>Gets the id of the prompt contract that governed the call, or <see langword="null"/> when none did.</summary>
    public string? ContractId { get; init; }

    /// <summary>Gets the contract version used, or <see langword="null"/>.</summary>
    public string? ContractVersion { get; init; }

    /// <summary>Gets the rollout variant (such as <c>stable</c> or <c>canary</c>), or <see langword="null"/>.</summary>
    public string? Variant { get; init; }

    /// <summary>Gets the label the version was resolved from (such as <c>production</c>), or <see langword="null"/>.</summary>
    public string? ContractLabel { get; init; }

    /// <summary>Gets a hash of the rendered system prompt, or <see langword="null"/> when no contract rendered one.</summary>
    public string? RenderedPromptHash { get; init; }

    /// <summary>Gets the context sources (retrieved documents and their provenance) the app attached.</summary>
    public IReadOnlyList<ContextSource> ContextSources { get; init; } = Array.Empty<ContextSource>();

    /// <summary>Gets the governed tool calls, in the order they finished.</summary>
    public IReadOnlyList<AuditedToolCall> ToolCalls { get; init; } = Array.Empty<AuditedToolCall>();

    /// <summary>Gets the output validation outcome (<c>passed</c>, <c>reasked</c>, <c>fallback</c>, <c>failed</c>), or <see langword="null"/> when nothing was validated.</summary>
    public string? ValidationOutcome { get; init; }

    /// <summary>Gets how many answers were validated.</summary>
    public int ValidationAttempts { get; init; }

    /// <summary>Gets the request idempotency outcome (<c>executed</c>, <c>replayed</c>), or <see langword="null"/> when the call had no idempotency key.</summary>
    public string? IdempotencyOutcome { get; init; }

    /// <summary>Gets the prompt's token count before budgeting, or <see langword="null"/> when nothing was budgeted.</summary>
    public int? TokensBeforeBudget { get; init; }

    /// <summary>Gets the prompt's token count after budgeting, or <see langword="null"/> when nothing was budgeted.</summary>
    public int? TokensAfterBudget { get; init; }

    /// <summary>Gets how many messages budgeting dropped.</summary>
    public int MessagesDropped { get; init; }

    /// <summary>Gets the input tokens the model reported, summed over the call, or <see langword="null"/> when it reported none.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Gets the output tokens the model reported, summed over the call, or <see langword="null"/> when it reported none.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>Gets the total tokens the model reported, summed over the call, or <see langword="null"/> when it reported none.</summary>
    public long? TotalTokens { get; init; }

    /// <summary>Gets how many pieces of personal data were redacted.</summary>
    public int Redactions { get; init; }

    /// <summary>Gets how many injection or PII detections screening made.</summary>
    public int ScreeningDetections { get; init; }

    /// <summary>Gets the rollout decisions this call triggered, such as <c>rolled back support.reply 3.2.0: failure rate 40 % ...</c>; empty when none.</summary>
    public IReadOnlyList<string> RolloutEvents { get; init; } = Array.Empty<string>();

    /// <summary>Gets whether the call was a streaming one.</summary>
    public bool Streaming { get; init; }

    /// <summary>Gets the final outcome: <c>ok</c>, <c>fallback</c>, <c>replayed</c>, <c>rejected</c>, <c>cancelled</c> or <c>error</c>; <c>change</c> for a <see cref="Change"/> record.</summary>
    public string Outcome { get; init; } = "ok";

    /// <summary>Gets the full name of the exception type the call ended with, or <see langword="null"/> when it succeeded.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Gets the change this record reports (a label move, rollback or promotion), or <see langword="null"/> for the record of a call.</summary>
    /// <remarks>A change record has <see cref="Outcome"/> <c>change</c>, the contract id, the label and the version the label serves now; its other fields are empty.</remarks>
    public PromptChangeEvent? Change { get; init; }

    /// <summary>Gets how a shadow call compared with the primary call it copied, or <see langword="null"/> when the record is not a shadow call's.</summary>
    /// <remarks>A shadow record has <see cref="Variant"/> <c>shadow</c>, the shadow's version, its own outcome and the primary's trace id.</remarks>
    public ShadowComparison? Shadow { get; init; }
}
