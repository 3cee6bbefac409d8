namespace Contracts.Ai;

/// <summary>What token budgeting does when a conversation does not fit the context window.</summary>
public enum BudgetOverflowPolicy
{
    /// <summary>Drop the oldest turns (never system messages, pinned messages or the newest user turn) until it fits.</summary>
    Trim = 0,

    /// <summary>Throw <see cref="ContextBudgetExceededException"/> without calling the model.</summary>
    Throw = 1,
}
