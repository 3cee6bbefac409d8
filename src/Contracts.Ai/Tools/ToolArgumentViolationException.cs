using System;

namespace Contracts.Ai;

/// <summary>Thrown when a model calls a tool with arguments that break the tool's declared schema, or calls a tool it may not use; the tool is not invoked.</summary>
public class ToolArgumentViolationException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="ToolArgumentViolationException"/> class.</summary>
    public ToolArgumentViolationException()
        : base("A tool was called with arguments that break its contract; the tool was not invoked.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolArgumentViolationException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public ToolArgumentViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolArgumentViolationException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public ToolArgumentViolationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
