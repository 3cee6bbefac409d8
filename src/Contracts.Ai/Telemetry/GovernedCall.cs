using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// What the pipeline decided for one governed call: created by the outermost stage, carried in the
/// request's options, filled by each stage, and read by the root span, the metrics and the audit.
/// </summary>
/// <remarks>Only created when something observes the call (a listener on the source, or an audit sink). Stages may record from several threads (parallel tool calls).</remarks>
internal sealed class GovernedCall
{
    internal const string PropertyKey = "contracts_ai.call";

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

    public static GovernedCall? Get(ChatOptions? options) =>
        options?.AdditionalProperties is { } properties &&
        properties.TryGetValue(PropertyKey, out object? value)
            ? value as GovernedCall
            : null;

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

    /// <summary>Gets or sets the request's governance context (tenant, context sources), as the root stage saw it.</summary>
    public GovernanceContext? Context { get; set; }
}

/// <summary>One governed tool call, as the audit records it: no arguments or results, only their fate.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Outcome"><c>ok</c>, <c>replayed</c> or <c>rejected</c>.</param>
/// <param name="IdempotencyKeyHash">A hash of the idempotency key, when the tool is idempotent.</param>
/// <param name="Rejection">Why it was rejected, when it was.</param>
internal sealed record ToolCallRecord(string Name, string Outcome, string? IdempotencyKeyHash = null, string? Rejection = null);
