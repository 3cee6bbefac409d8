using System;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Sets and reads the <see cref="GovernanceContext"/> of a request on its <see cref="ChatOptions"/>.</summary>
public static class GovernanceChatOptionsExtensions
{
    /// <summary>Governs the request with a prompt contract.</summary>
    /// <param name="options">The request's options.</param>
    /// <param name="contractId">The contract id.</param>
    /// <param name="inputs">The template inputs: a dictionary, an anonymous object, or an object with public properties.</param>
    /// <returns>The same <paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="contractId"/> is null, empty or white space.</exception>
    public static ChatOptions WithContract(this ChatOptions options, string contractId, object? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        GovernanceContext context = options.GetOrCreateGovernanceContext();
        context.ContractId = contractId;
        context.Inputs = inputs;
        return options;
    }

    /// <summary>Governs the request with an exact version or label of a prompt contract.</summary>
    /// <param name="options">The request's options.</param>
    /// <param name="contractId">The contract id.</param>
    /// <param name="versionOrLabel">An exact version or a label such as <c>production</c>.</param>
    /// <param name="inputs">The template inputs.</param>
    /// <returns>The same <paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithContract(this ChatOptions options, string contractId, string versionOrLabel, object? inputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(versionOrLabel);
        options.WithContract(contractId, inputs);
        options.GetOrCreateGovernanceContext().ContractVersion = versionOrLabel;
        return options;
    }

    /// <summary>Scopes the request to a tenant and, optionally, a user.</summary>
    /// <param name="options">The request's options.</param>
    /// <param name="tenantId">The tenant id.</param>
    /// <param name="userId">The user id, or <see langword="null"/>.</param>
    /// <returns>The same <paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithTenant(this ChatOptions options, string tenantId, string? userId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        GovernanceContext context = options.GetOrCreateGovernanceContext();
        context.TenantId = tenantId;
        context.UserId = userId;
        return options;
    }

    /// <summary>Continues a remembered conversation: send only the new turn; session memory adds the session's earlier turns and remembers this one once it is answered.</summary>
    /// <param name="options">The request's options.</param>
    /// <param name="sessionId">The session id the app chose; scoped by the tenant and user set with <see cref="WithTenant"/>, so the same id under another user is another session.</param>
    /// <returns>The same <paramref name="options"/>, for chaining.</returns>
    /// <remarks>Remembered in memory by default; configure with <c>AddGovernedAi().AddSessionMemory(...)</c>, share across instances with <c>UseRedis(...)</c>. A session needs a user unless <see cref="SessionMemoryOptions.RequireUser"/> is off.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is null, empty or white space.</exception>
    public static ChatOptions WithSession(this ChatOptions options, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        options.GetOrCreateGovernanceContext().SessionId = sessionId;
        return options;
    }

    /// <summary>Makes the request idempotent: a repeat with the same key (and tenant) returns the stored response.</summary>
    /// <param name="options">The request's options.</param>
    /// <param name="key">The idempotency key, unique per logical operation.</param>
    /// <returns>The same <paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithIdempotencyKey(this ChatOptions options, string key)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        options.GetOrCreateGovernanceContext().IdempotencyKey = key;
        return options;
    }

    /// <summary>Records a context source (such as a retrieved document) used for the request, for the audit record.</summary>
    /// <param name="options">The request's options.</param>
    /// <param name="source">The source.</param>
    /// <returns>The same <paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithContextSource(this ChatOptions options, ContextSource source)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        options.GetOrCreateGovernanceContext().ContextSources.Add(source);
        return options;
    }

    /// <summary>Gets the request's governance context, or <see langword="null"/> when none was set.</summary>
    /// <param name="options">The request's options, or <see langword="null"/>.</param>
    /// <returns>The context, or <see langword="null"/>.</returns>
    /// <remarks>
    /// A <see cref="ChatOptions"/> made by <see cref="ChatOptions.Clone"/> shares its additional properties'
    /// values with the original; the first time the copy's context is read here it gets a copy of its own,
    /// so changing one request's tenant, contract or sources never changes the other's.
    /// </remarks>
    public static GovernanceContext? GetGovernanceContext(this ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties ||
            !properties.TryGetValue(GovernanceContext.PropertyKey, out object? value) ||
            value is not GovernanceContext context)
        {
            return null;
        }

        if (context.Owner is null)
        {
            context.Owner = options;
        }
        else if (!ReferenceEquals(context.Owner, options))
        {
            // These options are a clone: give them their own context.
            context = context.Clone();
            context.Owner = options;
            properties[GovernanceContext.PropertyKey] = context;
        }

        return context;
    }

    /// <summary>Gets the request's governance context, creating and attaching an empty one when none was set.</summary>
    /// <param name="options">The request's options.</param>
    /// <returns>The context.</returns>
    public static GovernanceContext GetOrCreateGovernanceContext(this ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.GetGovernanceContext() is { } existing)
        {
            return existing;
        }

        var context = new GovernanceContext { Owner = options };
        (options.AdditionalProperties ??= new AdditionalPropertiesDictionary())[GovernanceContext.PropertyKey] = context;
        return context;
    }
}
