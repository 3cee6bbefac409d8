using System;

namespace Contracts.Ai;

/// <summary>Thrown when the messages that must be kept do not fit the model's context window.</summary>
public class ContextBudgetExceededException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="ContextBudgetExceededException"/> class.</summary>
    public ContextBudgetExceededException()
        : base("The conversation does not fit the model's context window.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContextBudgetExceededException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public ContextBudgetExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContextBudgetExceededException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public ContextBudgetExceededException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
