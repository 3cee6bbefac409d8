using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// What the stages decided in one observed governed call (contract and version, variant and label, validation,
/// idempotency, budget, tool calls, screening, rollout events) and what the outermost stage keeps of the call itself
/// (start, error, answer), read when the call ends by the span, the metrics, the log and the audit.
/// </summary>
/// <remarks>
/// Created only when something observes the call (a listener, an audit sink, Debug logging): an unobserved call
/// carries only its <see cref="GovernedCall"/> state. Stages may record from several threads (parallel tool calls).
/// </remarks>
internal sealed class CallRecord
{
    private ConcurrentQueue<string>? _rolloutEvents;
    private ConcurrentQueue<ToolCallRecord>? _toolCalls;
    private int _redactions;
    private int _detections;

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

    /// <summary>The final outcome: <c>ok</c>, <c>fallback</c>, <c>replayed</c>, <c>rejected</c>, <c>cancelled</c> or <c>error</c>.</summary>
    public string? Outcome { get; set; }

    public int Redactions => Volatile.Read(ref _redactions);

    public int ScreeningDetections => Volatile.Read(ref _detections);

    /// <summary>Rollout decisions (automatic rollbacks) this call triggered; <see langword="null"/> until the first.</summary>
    public ConcurrentQueue<string>? RolloutEvents => Volatile.Read(ref _rolloutEvents);

    /// <summary>Gets or sets when the call started, for the audit.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Gets or sets the <see cref="Stopwatch"/> timestamp the call started at, for its duration.</summary>
    public long StartTimestamp { get; set; }

    /// <summary>Gets or sets the app's span the call runs under when it has no span of its own, for the audit.</summary>
    public ActivityContext ParentContext { get; set; }

    /// <summary>Gets or sets a value indicating whether the inner pipeline completed (a stream to its end).</summary>
    public bool Completed { get; set; }

    /// <summary>Gets or sets the error the call ended with, if any.</summary>
    public Exception? Error { get; set; }

    /// <summary>Gets or sets the answer's text, kept only when sensitive data is captured.</summary>
    public string? Output { get; set; }

    // Created on the first tool call: most calls make none.
    public void AddToolCall(ToolCallRecord record) => LazyInitializer.EnsureInitialized(ref _toolCalls).Enqueue(record);

    /// <summary>Gets a snapshot of the tool calls recorded so far.</summary>
    public ToolCallRecord[] ToolCallsSnapshot() => Volatile.Read(ref _toolCalls)?.ToArray() ?? [];

    public void AddRolloutEvent(string description) => LazyInitializer.EnsureInitialized(ref _rolloutEvents).Enqueue(description);

    public void AddRedactions(int count) => Interlocked.Add(ref _redactions, count);

    public void AddScreeningDetections(int count) => Interlocked.Add(ref _detections, count);
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
