using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Thrown when a tool returns output that breaks its declared contract (shape, size, time, safety); the output does not reach the model.</summary>
/// <remarks>The message and <see cref="Violations"/> name the tool, the rule and the JSON path; they never contain the rejected values.</remarks>
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

    /// <summary>Initializes a new instance of the <see cref="ToolOutputViolationException"/> class for a tool and what was wrong.</summary>
    /// <param name="toolName">The tool's name.</param>
    /// <param name="violations">What was wrong, at least one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="toolName"/> or <paramref name="violations"/> is <see langword="null"/>.</exception>
    public ToolOutputViolationException(string toolName, IReadOnlyList<ToolViolation> violations)
        : base(ToolViolationMessages.Describe(toolName, "output was rejected and withheld from the model", violations))
    {
        ToolName = toolName;
        Violations = violations;
    }

    /// <summary>Gets the name of the tool.</summary>
    /// <value>Empty when the exception was created without one.</value>
    public string ToolName { get; } = string.Empty;

    /// <summary>Gets what was wrong, each with its JSON path.</summary>
    /// <value>Empty when the exception was created without violations.</value>
    public IReadOnlyList<ToolViolation> Violations { get; } = Array.Empty<ToolViolation>();

    internal override string TelemetryDescription => ToolViolationMessages.DescribeKinds(ToolName, "output", Violations);
}
