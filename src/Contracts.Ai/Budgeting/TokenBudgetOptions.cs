using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Options for context-window budgeting.</summary>
/// <remarks>Bindable from configuration section <c>GovernedAi:TokenBudget</c>; validated once at start.</remarks>
public sealed class TokenBudgetOptions
{
    /// <summary>
    /// The <c>ChatOptions.AdditionalProperties</c> key of a per-request cap on input tokens (an <see cref="int"/>):
    /// the budget is the smaller of the cap and what the context window leaves. Contract enforcement sets it from
    /// <see cref="PromptContract.MaxInputTokens"/>.
    /// </summary>
    public const string MaxInputTokensKey = "contracts_ai.max_input_tokens";

    /// <summary>Gets or sets the context window, in tokens, of every model the stage budgets for.</summary>
    /// <value>Defaults to <see langword="null"/>: taken from <see cref="ModelContextWindows"/>, else from the built-in windows of known OpenAI models. When no window is known for the model, the stage passes the messages through unbudgeted.</value>
    public int? ContextWindowTokens { get; set; }

    /// <summary>Gets the context windows, in tokens, per model id (case-insensitive); an entry wins over <see cref="ContextWindowTokens"/> and the built-in windows.</summary>
    /// <value>Defaults to empty. Bind from configuration as <c>GovernedAi:TokenBudget:ModelContextWindows:my-model</c>.</value>
    public IDictionary<string, int> ModelContextWindows { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the tokens kept free for the model's answer; <c>ChatOptions.MaxOutputTokens</c> wins when set.</summary>
    /// <value>Defaults to 4,096.</value>
    public int ReservedOutputTokens { get; set; } = 4096;

    /// <summary>Gets or sets extra tokens kept free to absorb provider-side differences in counting.</summary>
    /// <value>Defaults to 256.</value>
    public int SafetyMarginTokens { get; set; } = 256;

    /// <summary>Gets or sets what happens when the conversation does not fit.</summary>
    /// <value>Defaults to <see cref="BudgetOverflowPolicy.Trim"/>.</value>
    public BudgetOverflowPolicy OnOverflow { get; set; } = BudgetOverflowPolicy.Trim;

    /// <summary>
    /// Gets or sets a value indicating whether, when the messages that must be kept still do not fit
    /// after trimming, the largest text message is cut from the middle (at token boundaries, with a
    /// visible <c>[… N tokens truncated …]</c> marker) instead of throwing <see cref="ContextBudgetExceededException"/>.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool TruncateOversizeMessage { get; set; }

    /// <summary>Gets or sets the tiktoken encoding used for models that have no registered counter and are not known OpenAI models; <see langword="null"/> makes such models an error.</summary>
    /// <value>Defaults to <c>o200k_base</c>.</value>
    public string? DefaultEncoding { get; set; } = TiktokenTokenCounter.O200kBase;

    /// <summary>Gets or sets the tokens counted for each image in a message (a <c>DataContent</c> or <c>UriContent</c> with an <c>image/*</c> media type).</summary>
    /// <value>Defaults to 1,105: the most one high-detail image costs on OpenAI's GPT-4o-class models (85 + 6 × 170 tiles).</value>
    public int ImageTokens { get; set; } = 1105;

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

        if (ImageTokens < 0)
        {
            errors.Add($"{path}:ImageTokens must not be negative, but was {ImageTokens}.");
        }

        if (!Enum.IsDefined(OnOverflow))
        {
            errors.Add($"{path}:OnOverflow must be Trim or Throw, but was {(int)OnOverflow}.");
        }

        if (DefaultEncoding is not null &&
            !string.Equals(DefaultEncoding, TiktokenTokenCounter.O200kBase, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(DefaultEncoding, TiktokenTokenCounter.Cl100kBase, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}:DefaultEncoding must be '{TiktokenTokenCounter.O200kBase}', '{TiktokenTokenCounter.Cl100kBase}' or null, but was '{DefaultEncoding}'.");
        }

        if (ContextWindowTokens is int window && ReservedOutputTokens + SafetyMarginTokens >= window)
        {
            errors.Add($"{path}:ReservedOutputTokens + SafetyMarginTokens ({ReservedOutputTokens + SafetyMarginTokens}) must be less than ContextWindowTokens ({window}).");
        }

        if (ModelContextWindows is null)
        {
            errors.Add($"{path}:ModelContextWindows must not be null.");
            return;
        }

        foreach (KeyValuePair<string, int> entry in ModelContextWindows)
        {
            if (entry.Value <= 0)
            {
                errors.Add($"{path}:ModelContextWindows:{entry.Key} must be positive, but was {entry.Value}.");
            }
            else if (ReservedOutputTokens + SafetyMarginTokens >= entry.Value)
            {
                errors.Add($"{path}:ModelContextWindows:{entry.Key} ({entry.Value}) must be greater than ReservedOutputTokens + SafetyMarginTokens ({ReservedOutputTokens + SafetyMarginTokens}).");
            }
        }
    }
}
