using System;

namespace Contracts.Ai;

/// <summary>Thrown when a tool returns output that breaks its declared contract (shape, size, time); the output does not reach the model.</summary>
public class ToolOutputViolationException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="ToolOutputViolationException"/> class.</summary>
    public ToolOutputViolationException()
        : base("A tool returned output that breaks its contract; the output was withheld from the model.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolOutputViolationException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public ToolOutputViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolOutputViolationException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public ToolOutputViolationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
