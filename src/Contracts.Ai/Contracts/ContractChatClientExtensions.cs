using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Asks a governed client for the typed answer of a CLR-typed contract.</summary>
public static class ContractChatClientExtensions
{
    /// <summary>
    /// Sends a request governed by a CLR-typed contract (see <see cref="PromptContract.WithOutputType{T}(JsonTypeInfo{T})"/>)
    /// and returns the response with its validated answer as <see cref="ContractChatResponse{T}.Result"/>.
    /// </summary>
    /// <typeparam name="T">The contract's output type.</typeparam>
    /// <param name="client">The governed client.</param>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options, naming the contract (<c>WithContract</c>).</param>
    /// <param name="typeInfo">The type's JSON metadata; trimming and Native AOT safe.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The response and its typed answer.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ContractViolationException">The answer broke the contract and its policy ended in a throw.</exception>
    /// <exception cref="InvalidOperationException">The response holds no valid <typeparamref name="T"/> (for example the contract's fallback answer is not one).</exception>
    public static async Task<ContractChatResponse<T>> GetContractResponseAsync<T>(
        this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions options, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(typeInfo);
        ChatResponse response = await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        return new ContractChatResponse<T>(response, response.GetContractOutput(typeInfo));
    }

    /// <summary>Sends a request governed by a CLR-typed contract and returns its typed answer, using reflection-based JSON metadata; see <see cref="GetContractResponseAsync{T}(IChatClient, IEnumerable{ChatMessage}, ChatOptions, JsonTypeInfo{T}, CancellationToken)"/>.</summary>
    /// <typeparam name="T">The contract's output type.</typeparam>
    /// <param name="client">The governed client.</param>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options, naming the contract (<c>WithContract</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The response and its typed answer.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ContractViolationException">The answer broke the contract and its policy ended in a throw.</exception>
    /// <exception cref="InvalidOperationException">The response holds no valid <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON metadata for T. Use the JsonTypeInfo<T> overload when trimming.")]
    [RequiresDynamicCode("Reflection-based JSON metadata for T. Use the JsonTypeInfo<T> overload under Native AOT.")]
    public static async Task<ContractChatResponse<T>> GetContractResponseAsync<T>(
        this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(options);
        ChatResponse response = await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        return new ContractChatResponse<T>(response, response.GetContractOutput<T>());
    }
}
