using System;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Thrown when the session store cannot be reached. Stores throw it for connection failures and timeouts; with
/// <see cref="SessionStoreFailureMode.FailClosed"/> it reaches the caller.
/// </summary>
public class SessionStoreUnavailableException : SessionMemoryException
{
    /// <summary>Initializes a new instance of the <see cref="SessionStoreUnavailableException"/> class.</summary>
    public SessionStoreUnavailableException()
        : base("The session store could not be reached.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SessionStoreUnavailableException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public SessionStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SessionStoreUnavailableException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public SessionStoreUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the answer the model gave when the store failed only while remembering it, or <see langword="null"/> when the store failed before the model was called (or while streaming, where the caller already has the answer).</summary>
    public ChatResponse? Response { get; init; }
}
