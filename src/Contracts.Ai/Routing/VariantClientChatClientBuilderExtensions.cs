using System;
using System.Collections.Generic;
using Contracts.Ai;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the clients rollout variants can run on to a chat pipeline.</summary>
public static class VariantClientChatClientBuilderExtensions
{
    /// <summary>Lets rollout variants run on other clients (<see cref="RolloutVariant.ClientKey"/>). Call it last, so it sits directly above the provider client.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="clients">The variant clients, by key.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="clients"/> is <see langword="null"/>.</exception>
    public static ChatClientBuilder UseVariantClients(this ChatClientBuilder builder, IReadOnlyDictionary<string, IChatClient> clients)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(clients);
        return builder.Use(inner => new VariantClientChatClient(inner, clients));
    }
}
