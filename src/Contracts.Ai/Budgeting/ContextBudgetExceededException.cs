using System;

namespace Contracts.Ai;

/// <summary>Thrown when a conversation does not fit the model's context window: with <see cref="BudgetOverflowPolicy.Throw"/>, or when even the messages that must be kept do not fit.</summary>
/// <remarks>The message carries the numbers (limit, required tokens, the largest message's position, role and tokens), never message content.</remarks>
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

    /// <summary>Initializes a new instance of the <see cref="ContextBudgetExceededException"/> class with the numbers of the budget that could not be met.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="modelId">The model budgeted for, when known.</param>
    /// <param name="limitTokens">The input tokens the model accepts: its window minus reserved output and safety margin.</param>
    /// <param name="requiredTokens">The input tokens the request needs (with <see cref="BudgetOverflowPolicy.Trim"/>: the messages that must be kept).</param>
    /// <param name="largestMessageIndex">The position of the largest message in the caller's list, or -1 when there is none.</param>
    /// <param name="largestMessageTokens">The tokens of the largest message.</param>
    public ContextBudgetExceededException(string message, string? modelId, int limitTokens, int requiredTokens, int largestMessageIndex, int largestMessageTokens)
        : base(message)
    {
        ModelId = modelId;
        LimitTokens = limitTokens;
        RequiredTokens = requiredTokens;
        LargestMessageIndex = largestMessageIndex;
        LargestMessageTokens = largestMessageTokens;
    }

    /// <summary>Gets the model budgeted for, when known.</summary>
    public string? ModelId { get; }

    /// <summary>Gets the input tokens the model accepts: its context window minus reserved output and safety margin.</summary>
    public int LimitTokens { get; }

    /// <summary>Gets the input tokens the request needs (with <see cref="BudgetOverflowPolicy.Trim"/>: the messages that must be kept, instructions and tool definitions).</summary>
    public int RequiredTokens { get; }

    /// <summary>Gets the position of the largest message in the caller's list, or -1 when there is none.</summary>
    public int LargestMessageIndex { get; }

    /// <summary>Gets the tokens of the largest message.</summary>
    public int LargestMessageTokens { get; }
}
