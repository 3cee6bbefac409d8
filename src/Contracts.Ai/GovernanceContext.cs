using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>
/// The per-request governance data every stage of the pipeline reads: which contract and inputs,
/// for which tenant and user, under which idempotency key, and which context sources were attached.
/// </summary>
/// <remarks>
/// The caller sets it on the request's <see cref="Microsoft.Extensions.AI.ChatOptions"/> with the
/// <see cref="GovernanceChatOptionsExtensions"/> methods (it is kept in <c>AdditionalProperties</c> under
/// <see cref="PropertyKey"/>). The governed pipeline's outermost stage takes it off the options and works on
/// a copy of its own, so it never reaches the provider and the caller's context is never changed. A cloned
/// <c>ChatOptions</c> gets its own copy the first time it is read through those methods. A context belongs
/// to one request: do not share one instance between concurrent requests.
/// </remarks>
public sealed class GovernanceContext
{
    /// <summary>The key under which the context is stored in <c>ChatOptions.AdditionalProperties</c>.</summary>
    public const string PropertyKey = "contracts_ai.governance";

    // Created on first use: most requests attach no source, and the context is copied once per call.
    private List<ContextSource>? _contextSources;

    /// <summary>Gets or sets the id of the prompt contract that governs the request.</summary>
    public string? ContractId { get; set; }

    /// <summary>Gets or sets the exact contract version or label to use; <see langword="null"/> lets routing decide.</summary>
    public string? ContractVersion { get; set; }

    /// <summary>Gets or sets the inputs for the contract's template: a dictionary, an anonymous object or any object whose public properties are the inputs.</summary>
    public object? Inputs { get; set; }

    /// <summary>Gets or sets the tenant the request is made for. Idempotency keys and rollouts are scoped by it.</summary>
    public string? TenantId { get; set; }

    /// <summary>Gets or sets the user the request is made for.</summary>
    public string? UserId { get; set; }

    /// <summary>Gets or sets the conversation the request belongs to; used for sticky rollouts and tool idempotency scope.</summary>
    public string? ConversationId { get; set; }

    /// <summary>Gets or sets the session whose remembered turns the request continues (see <c>ChatOptions.WithSession</c>); scoped by <see cref="TenantId"/> and <see cref="UserId"/>.</summary>
    public string? SessionId { get; set; }

    /// <summary>Gets or sets the idempotency key of the request: a repeated request with the same key returns the stored response.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Gets the context sources (retrieved documents and their provenance) the app attached, for the audit record.</summary>
    public IList<ContextSource> ContextSources => _contextSources ??= new List<ContextSource>();

    /// <summary>
    /// Gets the governance context of the governed call the current code runs in, as the pipeline's stages see it
    /// (with the version routing chose), or <see langword="null"/> outside a governed call.
    /// </summary>
    /// <value>
    /// Flows with the call down to the provider's client (in the spirit of <c>FunctionInvokingChatClient.CurrentContext</c>),
    /// so a test double or an app's own middleware below the pipeline can tell which contract governs a model call,
    /// although the context never travels in the provider's <c>ChatOptions</c>. A governed tool's own code runs outside
    /// the call and sees <see langword="null"/>. Read it; changing it changes the rest of the call.
    /// </value>
    public static GovernanceContext? Current => GovernedCall.Current?.OwnContext();

    /// <summary>Gets a value indicating whether any context source is attached, without creating the list.</summary>
    internal bool HasContextSources => _contextSources is { Count: > 0 };

    /// <summary>Gets or sets the options this context belongs to; a clone of those options copies the context on first read.</summary>
    internal object? Owner { get; set; }

    /// <summary>A copy for a stage that changes the request's routing without touching the caller's context.</summary>
    internal GovernanceContext Clone()
    {
        var copy = new GovernanceContext
        {
            ContractId = ContractId,
            ContractVersion = ContractVersion,
            Inputs = Inputs,
            TenantId = TenantId,
            UserId = UserId,
            ConversationId = ConversationId,
            SessionId = SessionId,
            IdempotencyKey = IdempotencyKey,
        };
        if (_contextSources is { Count: > 0 } sources)
        {
            copy._contextSources = new List<ContextSource>(sources);
        }

        return copy;
    }
}
