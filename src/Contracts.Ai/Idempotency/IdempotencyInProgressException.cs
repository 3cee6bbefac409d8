using System;

namespace Contracts.Ai;

/// <summary>Thrown when a call with the same idempotency key is still running and did not complete within the configured wait.</summary>
public class IdempotencyInProgressException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="IdempotencyInProgressException"/> class.</summary>
    public IdempotencyInProgressException()
        : base("A call with the same idempotency key is still in progress.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IdempotencyInProgressException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public IdempotencyInProgressException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IdempotencyInProgressException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public IdempotencyInProgressException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
