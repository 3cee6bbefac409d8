using System;

namespace Contracts.Ai;

/// <summary>
/// Thrown when no token counter fits a model: it is not registered, not a known OpenAI model, and
/// <see cref="TokenBudgetOptions.DefaultEncoding"/> is <see langword="null"/> (so unknown models are refused
/// rather than counted with a guessed encoding).
/// </summary>
/// <remarks>
/// A set-up fault, not an outcome of the call: the request span's <c>contracts_ai.outcome</c> is
/// <c>rejected</c>, and it is logged as an error with its stack trace. The message names the model and how
/// to register a counter.
/// </remarks>
public class TokenCounterNotFoundException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="TokenCounterNotFoundException"/> class.</summary>
    public TokenCounterNotFoundException()
        : this("No token counter is registered for the model.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TokenCounterNotFoundException"/> class with a message.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    public TokenCounterNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TokenCounterNotFoundException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public TokenCounterNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TokenCounterNotFoundException"/> class for a model.</summary>
    /// <param name="modelId">The model id; <see langword="null"/> when the client reported none.</param>
    /// <param name="message">What was wrong and how to fix it.</param>
    public TokenCounterNotFoundException(string? modelId, string message)
        : base(message)
    {
        ModelId = modelId;
    }

    /// <summary>Gets the model id no counter was found for; <see langword="null"/> when the client reported none.</summary>
    public string? ModelId { get; }

    /// <inheritdoc />
    internal override bool IsExpectedOutcome => false;
}
