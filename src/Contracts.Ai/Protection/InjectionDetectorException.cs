using System;

namespace Contracts.Ai;

/// <summary>Thrown when an injection detector could not give a verdict, for example a hosted classifier that answered with an error or an unexpected body. Names the endpoint and what was wrong, never the screened text.</summary>
public class InjectionDetectorException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="InjectionDetectorException"/> class.</summary>
    public InjectionDetectorException()
        : base("The injection detector could not give a verdict.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InjectionDetectorException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public InjectionDetectorException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InjectionDetectorException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public InjectionDetectorException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
