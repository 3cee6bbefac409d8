using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Sends a call to the client its rollout variant names (<see cref="RolloutVariant.ClientKey"/>), for
/// variants that run on another provider or deployment; calls without a variant client go to the inner client.
/// </summary>
/// <remarks>Place it innermost, directly above the provider client (<c>UseVariantClients()</c> as the last <c>Use</c> call).</remarks>
public sealed class VariantClientChatClient : DelegatingChatClient
{
    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key the routing stage sets to the variant's client key when it is used without the governed pipeline; inside it, the key travels in the call's own state and never reaches the provider.</summary>
    public const string ClientKeyProperty = "contracts_ai.variant_client";

    private readonly Dictionary<string, IChatClient> _clients;

    /// <summary>Initializes a new instance of the <see cref="VariantClientChatClient"/> class.</summary>
    /// <param name="innerClient">The client for calls that name no variant client.</param>
    /// <param name="clients">The variant clients, by key.</param>
    /// <exception cref="ArgumentNullException">An argument or a client is <see langword="null"/>.</exception>
    public VariantClientChatClient(IChatClient innerClient, IReadOnlyDictionary<string, IChatClient> clients)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _clients = new Dictionary<string, IChatClient>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, IChatClient> client in clients)
        {
            _clients[client.Key] = client.Value ?? throw new ArgumentNullException(nameof(clients), $"The variant client '{client.Key}' is null.");
        }
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Select(options).GetResponseAsync(messages, options, cancellationToken);

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Select(options).GetStreamingResponseAsync(messages, options, cancellationToken);

    private IChatClient Select(ChatOptions? options)
    {
        string? key = GovernedCall.Current?.VariantClientKey;
        if (key is null && (options?.AdditionalProperties?.TryGetValue(ClientKeyProperty, out object? value) != true || (key = value as string) is null))
        {
            return InnerClient;
        }

        return _clients.TryGetValue(key, out IChatClient? client)
            ? client
            : throw new InvalidOperationException(
                $"The rollout variant names client '{key}', but UseVariantClients() was given no client with that key (known: {string.Join(", ", _clients.Keys)}).");
    }
}
