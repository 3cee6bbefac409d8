using System;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Marks messages that carry retrieved documents (search results, RAG chunks, web pages), so data
/// protection screens them as untrusted <see cref="ContentOrigin.RetrievedDocument"/> content.
/// </summary>
public static class RetrievedDocuments
{
    /// <summary>The key in <see cref="ChatMessage.AdditionalProperties"/> that marks a message's origin.</summary>
    public const string OriginPropertyKey = "contracts_ai.origin";

    /// <summary>The value of <see cref="OriginPropertyKey"/> for retrieved documents.</summary>
    public const string OriginValue = "retrieved_document";

    /// <summary>Creates a user message carrying a retrieved document.</summary>
    /// <param name="text">The document's text.</param>
    /// <returns>The message, marked as a retrieved document.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public static ChatMessage CreateMessage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MarkAsRetrievedDocument(new ChatMessage(ChatRole.User, text));
    }

    /// <summary>Marks <paramref name="message"/> as carrying a retrieved document.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The same message, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public static ChatMessage MarkAsRetrievedDocument(this ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        (message.AdditionalProperties ??= [])[OriginPropertyKey] = OriginValue;
        return message;
    }

    /// <summary>Gets whether <paramref name="message"/> is marked as carrying a retrieved document.</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="true"/> when it is marked.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public static bool IsRetrievedDocument(this ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.AdditionalProperties is { } properties &&
            properties.TryGetValue(OriginPropertyKey, out object? value) &&
            value is string origin && origin == OriginValue;
    }
}
