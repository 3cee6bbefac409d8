using System;

namespace Contracts.Ai;

/// <summary>Thrown when a request names a session that session memory cannot serve: memory is not enabled, or the session has no user while <see cref="SessionMemoryOptions.RequireUser"/> is on. Nothing was sent to the model.</summary>
public class SessionMemoryException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="SessionMemoryException"/> class.</summary>
    public SessionMemoryException()
        : base("Session memory could not serve the request's session; nothing was sent to the model.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SessionMemoryException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public SessionMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SessionMemoryException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public SessionMemoryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
