using System;

namespace Contracts.Ai;

/// <summary>Thrown when screening blocks content: PII or secrets under a Block policy, or a detected prompt injection. Names entity types and signals, never the values.</summary>
public class UnsafeContentException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="UnsafeContentException"/> class.</summary>
    public UnsafeContentException()
        : base("Content was blocked by the data-protection policy.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnsafeContentException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public UnsafeContentException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnsafeContentException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public UnsafeContentException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
