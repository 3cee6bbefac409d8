using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Options for context-window budgeting.</summary>
/// <remarks>Bindable from configuration section <c>GovernedAi:TokenBudget</c>; validated once at start.</remarks>
public sealed class TokenBudgetOptions
{
    /// <summary>Gets or sets the model's context window in tokens.</summary>
    /// <value>Defaults to <see langword="null"/>: taken from the model id when it is a known model.</value>
    public int? ContextWindowTokens { get; set; }

    /// <summary>Gets or sets the tokens kept free for the model's answer; <c>ChatOptions.MaxOutputTokens</c> wins when set.</summary>
    /// <value>Defaults to 4,096.</value>
    public int ReservedOutputTokens { get; set; } = 4096;

    /// <summary>Gets or sets extra tokens kept free to absorb provider-side differences in counting.</summary>
    /// <value>Defaults to 256.</value>
    public int SafetyMarginTokens { get; set; } = 256;

    /// <summary>Gets or sets what happens when the conversation does not fit.</summary>
    /// <value>Defaults to <see cref="BudgetOverflowPolicy.Trim"/>.</value>
    public BudgetOverflowPolicy OnOverflow { get; set; } = BudgetOverflowPolicy.Trim;

    internal void Validate(string path, List<string> errors)
    {
        if (ContextWindowTokens is <= 0)
        {
            errors.Add($"{path}:ContextWindowTokens must be positive, but was {ContextWindowTokens}.");
        }

        if (ReservedOutputTokens < 0)
        {
            errors.Add($"{path}:ReservedOutputTokens must not be negative, but was {ReservedOutputTokens}.");
        }

        if (SafetyMarginTokens < 0)
        {
            errors.Add($"{path}:SafetyMarginTokens must not be negative, but was {SafetyMarginTokens}.");
        }

        if (ContextWindowTokens is int window && ReservedOutputTokens + SafetyMarginTokens >= window)
        {
            errors.Add($"{path}:ReservedOutputTokens + SafetyMarginTokens ({ReservedOutputTokens + SafetyMarginTokens}) must be less than ContextWindowTokens ({window}).");
        }
    }
}
