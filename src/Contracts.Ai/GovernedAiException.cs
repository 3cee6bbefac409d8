using System;

namespace Contracts.Ai;

/// <summary>
/// The base type of every error Contracts.Ai raises on purpose: a contract was violated, a budget
/// could not be met, a tool or its output was rejected, an idempotency rule stopped a call, or
/// content was judged unsafe.
/// </summary>
/// <remarks>
/// Messages say what was expected, what came and where (contract id and version, tool name, JSON
/// path). They never contain the raw prompt, tool arguments or tool results.
/// </remarks>
public class GovernedAiException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="GovernedAiException"/> class.</summary>
    public GovernedAiException()
        : base("A governed AI call was stopped by Contracts.Ai.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GovernedAiException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public GovernedAiException(string message)
        : base(message)
    {
    }

    /// <summary>
    /// Gets what telemetry and logs may say about the error: kinds, rule names, contract and tool names, never
    /// text a model, tool or user wrote (the message may quote property names the model chose).
    /// </summary>
    internal virtual string TelemetryDescription => GetType().Name;

    /// <summary>Describes any error for a span status or a log: a governed error by its <see cref="TelemetryDescription"/>, any other by its type name only.</summary>
    internal static string DescribeForTelemetry(Exception exception) =>
        exception is GovernedAiException governed ? governed.TelemetryDescription : exception.GetType().Name;

    /// <summary>Initializes a new instance of the <see cref="GovernedAiException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public GovernedAiException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Whether the error is an expected outcome of a governed call (a contract violation, a rejected tool call,
    /// unsafe content, an idempotency rule): logged as a warning without a stack trace. A fault of the set-up or
    /// of a dependency (an unreachable store, a missing token counter) is logged as an error with its stack trace.
    /// </summary>
    internal virtual bool IsExpectedOutcome => true;
}
