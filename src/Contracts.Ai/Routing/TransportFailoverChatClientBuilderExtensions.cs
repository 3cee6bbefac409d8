using System;
using Contracts.Ai;

namespace Microsoft.Extensions.AI;

/// <summary>Adds transport failover to a chat pipeline.</summary>
public static class TransportFailoverChatClientBuilderExtensions
{
    /// <summary>
    /// Fails over to <paramref name="secondaries"/>, in order, when the provider client fails in transport.
    /// Call it last, so it sits directly above the provider client.
    /// </summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="secondaries">The clients to fail over to.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="secondaries"/> is <see langword="null"/>.</exception>
    public static ChatClientBuilder UseTransportFailover(this ChatClientBuilder builder, params IChatClient[] secondaries) =>
        builder.UseTransportFailover(configure: null, secondaries);

    /// <summary>Fails over to <paramref name="secondaries"/>, in order, when the provider client fails in transport.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures which failures fail over.</param>
    /// <param name="secondaries">The clients to fail over to.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    public static ChatClientBuilder UseTransportFailover(this ChatClientBuilder builder, Action<TransportFailoverOptions>? configure, params IChatClient[] secondaries)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(secondaries);
        var options = new TransportFailoverOptions();
        configure?.Invoke(options);
        return builder.Use(inner => new TransportFailoverChatClient(inner, secondaries, options));
    }
}
