using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// The state of one governed call: the request's governance context, taken off the caller's options by the
/// outermost stage, and what each stage decided, read by the root span, the metrics and the audit.
/// </summary>
/// <remarks>
/// The outermost stage makes it <see cref="Current"/> for the duration of the call (an <see cref="AsyncLocal{T}"/>,
/// like MEAI's <c>FunctionInvokingChatClient.CurrentContext</c>), so the stages below the tool loop see it
/// too, while nothing of it travels in <see cref="ChatOptions.AdditionalProperties"/> to the provider.
/// Created when the request carries governance data or something observes the call (a listener on the
/// source, an audit sink). Stages may record from several threads (parallel tool calls).
/// </remarks>
internal sealed class GovernedCall
{
    private static readonly AsyncLocal<GovernedCall?> CurrentCall = new();

    private ConcurrentQueue<string>? _rolloutEvents;
    private int _redactions;
    private int _detections;
    private ConcurrentQueue<ToolCallRecord>? _toolCalls;

    public Activity? Activity { get; set; }

    public string? ContractId { get; set; }

    public string? ContractVersion { get; set; }

    public string? ContractLabel { get; set; }

    public string? Variant { get; set; }

    /// <summary>Hash of the rendered system prompt (never the prompt itself).</summary>
    public string? RenderedPromptHash { get; set; }

    public string? ValidationOutcome { get; set; }

    public int ValidationAttempts { get; set; }

    public string? IdempotencyOutcome { get; set; }

    public int? TokensBefore { get; set; }

    public int? TokensAfter { get; set; }

    public int MessagesDropped { get; set; }

    public UsageDetails? Usage { get; set; }

    /// <summary>The final outcome: <c>ok</c>, <c>fallback</c>, <c>replayed</c>, <c>rejected</c> or <c>error</c>.</summary>
    public string? Outcome { get; set; }

    // Created on the first tool call: most calls make none, and an empty queue costs most of a call's state.
    public ConcurrentQueue<ToolCallRecord> ToolCalls => LazyInitializer.EnsureInitialized(ref _toolCalls);

    public int Redactions => Volatile.Read(ref _redactions);

    public int ScreeningDetections => Volatile.Read(ref _detections);

    /// <summary>Gets or sets the governed call the current code runs in; <see langword="null"/> outside one, and inside a governed tool's own code.</summary>
    public static GovernedCall? Current
    {
        get => CurrentCall.Value;
        set => CurrentCall.Value = value;
    }

    /// <summary>Gets the current call when its outermost stage records it (span, metrics, log or audit) or a rollout judges its version by it: the one stages record their decisions in.</summary>
    public static GovernedCall? Observed => CurrentCall.Value is { } call && (call.IsObserved || call.RecordsDecisions) ? call : null;

    /// <summary>Gets the governance context of the current call, else the one a stage used on its own finds on <paramref name="options"/>.</summary>
    public static GovernanceContext? ContextOf(ChatOptions? options) =>
        CurrentCall.Value?.Context ?? options.GetGovernanceContext();

    /// <summary>Gets or sets a cap on input tokens that a stage (the contract's <c>MaxInputTokens</c>) set for this call's model calls.</summary>
    public int? MaxInputTokens { get; set; }

    /// <summary>Gets or sets the key of the client the routed variant runs on, for <see cref="VariantClientChatClient"/>.</summary>
    public string? VariantClientKey { get; set; }

    public void SetContract(string id, string version)
    {
        ContractId = id;
        ContractVersion = version;
        Activity?.SetTag(TelemetryNames.Attributes.ContractId, id);
        Activity?.SetTag(TelemetryNames.Attributes.ContractVersion, version);
    }

    public void SetVariant(string variant)
    {
        Variant = variant;
        Activity?.SetTag(TelemetryNames.Attributes.Variant, variant);
    }

    public void SetValidation(string outcome, int attempts)
    {
        ValidationOutcome = outcome;
        ValidationAttempts = attempts;
        Activity?.SetTag(TelemetryNames.Attributes.ValidationOutcome, outcome);
        Activity?.SetTag(TelemetryNames.Attributes.ValidationAttempts, attempts);
    }

    public void SetIdempotency(string outcome)
    {
        IdempotencyOutcome = outcome;
        Activity?.SetTag(TelemetryNames.Attributes.IdempotencyOutcome, outcome);
    }

    public void SetBudget(int tokensBefore, int tokensAfter, int messagesDropped)
    {
        TokensBefore = tokensBefore;
        TokensAfter = tokensAfter;
        MessagesDropped += messagesDropped;
    }

    public void AddToolCall(ToolCallRecord record) => ToolCalls.Enqueue(record);

    /// <summary>Rollout decisions (automatic rollbacks) this call triggered, for the audit; <see langword="null"/> until the first.</summary>
    public ConcurrentQueue<string>? RolloutEvents => Volatile.Read(ref _rolloutEvents);

    public void AddRolloutEvent(string description) =>
        LazyInitializer.EnsureInitialized(ref _rolloutEvents).Enqueue(description);

    public void AddRedactions(int count) => Interlocked.Add(ref _redactions, count);

    public void AddScreeningDetections(int count) => Interlocked.Add(ref _detections, count);

    /// <summary>Gets a snapshot of the tool calls recorded so far, without creating the queue when there are none.</summary>
    public ToolCallRecord[] ToolCallsSnapshot() => Volatile.Read(ref _toolCalls)?.ToArray() ?? [];

    /// <summary>Gets or sets the call's own copy of the request's governance context (the caller's is never changed); routing may pin its version.</summary>
    public GovernanceContext? Context { get; set; }

    /// <summary>Gets a value indicating whether the outermost stage records the call (span, metrics, log or audit).</summary>
    public bool IsObserved { get; init; }

    /// <summary>Gets or sets a value indicating whether stages record their decisions (validation, tool calls) even when nothing observes the call: a rollout judges the version that served it by them.</summary>
    public bool RecordsDecisions { get; set; }
}

/// <summary>One governed tool call, as the audit records it: no arguments or results, only their fate.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Outcome"><c>ok</c>, <c>replayed</c> or <c>rejected</c>.</param>
/// <param name="IdempotencyKeyHash">A hash of the idempotency key, when the tool is idempotent.</param>
/// <param name="Rejection">Why it was rejected, when it was.</param>
internal sealed record ToolCallRecord(string Name, string Outcome, string? IdempotencyKeyHash = null, string? Rejection = null)
{
    /// <summary>Gets who approved or refused the call, when the call needed approval and the decider is known.</summary>
    public string? DecidedBy { get; init; }
}
