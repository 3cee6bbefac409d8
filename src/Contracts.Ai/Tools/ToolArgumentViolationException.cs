using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Thrown when a model calls a tool with arguments that break the tool's declared schema; the tool is not invoked.</summary>
/// <remarks>The message and <see cref="Violations"/> name the tool, the rule and the JSON path; they never contain the rejected values.</remarks>
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

    /// <summary>Initializes a new instance of the <see cref="ToolArgumentViolationException"/> class for a tool and what was wrong.</summary>
    /// <param name="toolName">The tool's name.</param>
    /// <param name="violations">What was wrong, at least one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="toolName"/> or <paramref name="violations"/> is <see langword="null"/>.</exception>
    public ToolArgumentViolationException(string toolName, IReadOnlyList<ToolViolation> violations)
        : base(ToolViolationMessages.Describe(toolName, "were rejected; the tool was not invoked", violations))
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

    internal override string TelemetryDescription => ToolViolationMessages.DescribeKinds(ToolName, "arguments", Violations);
}
