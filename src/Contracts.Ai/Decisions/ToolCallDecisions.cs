using System.Collections.Concurrent;

namespace Contracts.Ai;

/// <summary>
/// The tool calls of one observed call as tool governance decided them (<see cref="ToolGovernanceChatClient"/> and the
/// <see cref="GovernedAIFunction"/>s it wraps): made, replayed or rejected, and the approval requests and the caller's
/// approvals or refusals. Written only by tool governance, read by the request's audit and by a rollout judging the version.
/// </summary>
/// <remarks>Thread-safe: parallel tool calls finish at once.</remarks>
internal sealed class ToolCallDecisions
{
    private readonly ConcurrentQueue<ToolCallRecord> _calls = new();

    public void Add(ToolCallRecord record) => _calls.Enqueue(record);

    /// <summary>Gets a snapshot of the tool calls recorded so far, in the order they finished.</summary>
    public ToolCallRecord[] Snapshot() => _calls.ToArray();

    /// <summary>Gets a value indicating whether any tool call was rejected.</summary>
    public bool AnyRejected()
    {
        foreach (ToolCallRecord call in _calls)
        {
            if (call.Outcome == ToolCallRecord.Rejected)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One governed tool call, as the audit records it: no arguments or results, only their fate.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Outcome"><c>ok</c>, <c>replayed</c>, <c>rejected</c>, <c>approval_requested</c>, <c>approved</c> or <c>refused</c>.</param>
/// <param name="IdempotencyKeyHash">A hash of the idempotency key, when the tool is idempotent.</param>
/// <param name="Rejection">Why it was rejected, when it was.</param>
internal sealed record ToolCallRecord(string Name, string Outcome, string? IdempotencyKeyHash = null, string? Rejection = null)
{
    public const string Rejected = "rejected";

    /// <summary>Gets who approved or refused the call, when the call needed approval and the decider is known.</summary>
    public string? DecidedBy { get; init; }
}
