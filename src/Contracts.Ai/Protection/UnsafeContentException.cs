using System;
using System.Collections.Generic;

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

    /// <summary>Initializes a new instance of the <see cref="UnsafeContentException"/> class with what was found.</summary>
    /// <param name="message">What was wrong and where, without the content.</param>
    /// <param name="entityTypes">The blocked entity types, such as <c>CREDIT_CARD</c>.</param>
    /// <param name="signals">The injection signals that fired.</param>
    public UnsafeContentException(string message, IReadOnlyList<string> entityTypes, IReadOnlyList<string> signals)
        : base(message)
    {
        EntityTypes = entityTypes ?? [];
        Signals = signals ?? [];
    }

    /// <summary>Gets the blocked entity types; empty when an injection was blocked.</summary>
    public IReadOnlyList<string> EntityTypes { get; } = [];

    /// <summary>Gets the injection signals that fired; empty when PII was blocked.</summary>
    public IReadOnlyList<string> Signals { get; } = [];

    internal override string TelemetryDescription =>
        $"Content was blocked by the data-protection policy (entity types: {string.Join(", ", EntityTypes)}; signals: {string.Join(", ", Signals)}).";
}
