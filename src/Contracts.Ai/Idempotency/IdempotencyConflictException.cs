using System;

namespace Contracts.Ai;

/// <summary>Thrown when an idempotency key is reused with a different payload; nothing runs.</summary>
public class IdempotencyConflictException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="IdempotencyConflictException"/> class.</summary>
    public IdempotencyConflictException()
        : base("The idempotency key was already used with a different payload; nothing was run.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IdempotencyConflictException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public IdempotencyConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IdempotencyConflictException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public IdempotencyConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
