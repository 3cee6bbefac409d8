namespace Contracts.Ai;

/// <summary>One governed tool call in a <see cref="DecisionRecord"/>: never its arguments or result, only its fate.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Outcome">
/// <c>ok</c>, <c>replayed</c> or <c>rejected</c> for a call that was made; for a call that needs a person's approval,
/// <c>approval_requested</c> when the request went to the caller, then <c>approved</c> or <c>refused</c> as the caller decided.
/// </param>
/// <param name="IdempotencyKeyHash">A hash of the tool call's idempotency key, or <see langword="null"/> when the tool is not idempotent.</param>
/// <param name="Rejection">Why the call was rejected, or <see langword="null"/>.</param>
public sealed record AuditedToolCall(string Name, string Outcome, string? IdempotencyKeyHash = null, string? Rejection = null)
{
    /// <summary>Gets who approved or refused the call, for an <c>approved</c> or <c>refused</c> outcome.</summary>
    /// <value>
    /// The <see cref="Microsoft.Extensions.AI.ChatMessage.AuthorName"/> of the message that carried the decision when the caller set one,
    /// else the request's user id (<c>ChatOptions.WithTenant(tenantId, userId)</c>); <see langword="null"/> when neither is known
    /// or the call needed no decision. Recorded as given: pass an id, not a name or an email, when the audit must hold no personal data.
    /// </value>
    public string? DecidedBy { get; init; }
}
