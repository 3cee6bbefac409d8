using System;

namespace Contracts.Ai;

/// <summary>
/// Thrown when the idempotency store cannot be reached. Stores throw it for connection failures and
/// timeouts; with <see cref="IdempotencyFailureMode.FailClosed"/> it reaches the caller and nothing ran.
/// </summary>
public class IdempotencyStoreUnavailableException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="IdempotencyStoreUnavailableException"/> class.</summary>
    public IdempotencyStoreUnavailableException()
        : base("The idempotency store could not be reached; nothing was run.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IdempotencyStoreUnavailableException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public IdempotencyStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IdempotencyStoreUnavailableException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public IdempotencyStoreUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    internal override bool IsExpectedOutcome => false;
}
