namespace Contracts.Ai;

/// <summary>One governed tool call in a <see cref="DecisionRecord"/>: never its arguments or result, only its fate.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Outcome">
/// <c>ok</c>, <c>replayed</c> or <c>rejected</c> for a call that was made; for a call that needs a person's approval,
/// <c>approval_requested</c> when the request went to the caller, then <c>approved</c> or <c>refused</c> as the caller decided.
/// </param>
/// <param name="IdempotencyKeyHash">A hash of the tool call's idempotency key, or <see langword="null"/> when the tool is not idempotent.</param>
/// <param name="Rejection">Why the call was rejected, or <see langword="null"/>.</param>
public sealed record AuditedToolCall(string Name, string Outcome, string? IdempotencyKeyHash = null, string? Rejection = null);
