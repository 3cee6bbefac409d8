using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>One remembered turn of a session: the messages a request added (already redacted) and the answer, with their token count.</summary>
/// <remarks>Immutable once stored: stores hand the same instances to concurrent readers, which must not change the messages.</remarks>
public sealed class SessionTurn
{
    /// <summary>Initializes a new instance of the <see cref="SessionTurn"/> class.</summary>
    /// <param name="messages">The turn's messages, oldest first.</param>
    /// <param name="tokenCount">Their token count with <paramref name="encoding"/>.</param>
    /// <param name="encoding">The encoding (<see cref="ITokenCounter.Encoding"/>) that counted them; a reader counting with another encoding recounts.</param>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> or <paramref name="encoding"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokenCount"/> is negative.</exception>
    public SessionTurn(IReadOnlyList<ChatMessage> messages, int tokenCount, string encoding)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(encoding);
        ArgumentOutOfRangeException.ThrowIfNegative(tokenCount);
        Messages = messages;
        TokenCount = tokenCount;
        Encoding = encoding;
    }

    /// <summary>Gets the turn's messages, oldest first.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>Gets the token count of <see cref="Messages"/> with <see cref="Encoding"/>.</summary>
    public int TokenCount { get; }

    /// <summary>Gets the encoding that counted <see cref="TokenCount"/>.</summary>
    public string Encoding { get; }
}
