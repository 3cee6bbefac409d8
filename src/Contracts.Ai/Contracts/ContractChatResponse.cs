using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// A governed response whose answer a CLR-typed contract validated, with that answer as <see cref="Result"/>: the
/// shape of MEAI's <c>ChatResponse&lt;T&gt;</c>, for <see cref="ContractChatClientExtensions.GetContractResponseAsync{T}(IChatClient, IEnumerable{ChatMessage}, ChatOptions, System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}, System.Threading.CancellationToken)"/>.
/// </summary>
/// <typeparam name="T">The contract's output type.</typeparam>
public sealed class ContractChatResponse<T> : ChatResponse
{
    /// <summary>Initializes a new instance of the <see cref="ContractChatResponse{T}"/> class: the same response, with its typed answer.</summary>
    /// <param name="response">The governed response; its messages, ids, usage and additional properties are shared, not copied.</param>
    /// <param name="result">The answer, as <typeparamref name="T"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is <see langword="null"/>.</exception>
    public ContractChatResponse(ChatResponse response, T result)
        : base(MessagesOf(response))
    {
        ValidatedChatResponse.CopyProperties(response, this);
        Result = result;
    }

    /// <summary>Gets the answer the contract validated, as <typeparamref name="T"/>.</summary>
    public T Result { get; }

    private static IList<ChatMessage> MessagesOf(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Messages;
    }
}

/// <summary>The response contract enforcement returns for a CLR-typed contract: the provider's response with the value parsed during validation, so reading it never parses again.</summary>
internal sealed class ValidatedChatResponse : ChatResponse
{
    private ValidatedChatResponse(ChatResponse response, object output)
        : base(response.Messages)
    {
        CopyProperties(response, this);
        Output = output;
    }

    /// <summary>Gets the value parsed during validation.</summary>
    public object Output { get; }

    /// <summary>Returns <paramref name="response"/> carrying <paramref name="output"/>, or <paramref name="response"/> itself when there is no typed output.</summary>
    public static ChatResponse WithOutput(ChatResponse response, object? output) =>
        output is null ? response : new ValidatedChatResponse(response, output);

    /// <summary>Copies every property of <paramref name="from"/> but its messages (passed to the constructor) to <paramref name="to"/>.</summary>
    internal static void CopyProperties(ChatResponse from, ChatResponse to)
    {
        to.ResponseId = from.ResponseId;
        to.ConversationId = from.ConversationId;
        to.ModelId = from.ModelId;
        to.CreatedAt = from.CreatedAt;
        to.FinishReason = from.FinishReason;
        to.Usage = from.Usage;
        to.RawRepresentation = from.RawRepresentation;
        to.AdditionalProperties = from.AdditionalProperties;
#pragma warning disable MEAI001 // Continuation tokens are experimental in MEAI; copied so a background response stays resumable.
        to.ContinuationToken = from.ContinuationToken;
#pragma warning restore MEAI001
    }
}
