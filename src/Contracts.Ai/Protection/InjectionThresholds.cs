using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>The score from which a text counts as an injection, per origin.</summary>
/// <remarks>Scores run from 0 to 1. Lower thresholds catch more injections and flag more benign text.</remarks>
public sealed class InjectionThresholds
{
    /// <summary>Gets or sets the threshold for user prompts.</summary>
    /// <value>Defaults to 0.35: one clear jailbreak signal, or two weak ones.</value>
    public double UserPrompt { get; set; } = 0.35;

    /// <summary>Gets or sets the threshold for tool output.</summary>
    /// <value>Defaults to 0.5.</value>
    public double ToolOutput { get; set; } = 0.5;

    /// <summary>Gets or sets the threshold for retrieved documents.</summary>
    /// <value>Defaults to 0.5.</value>
    public double RetrievedDocument { get; set; } = 0.5;

    /// <summary>Gets the threshold for <paramref name="origin"/>.</summary>
    /// <param name="origin">The origin of the text.</param>
    /// <returns>The threshold.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is not a defined value.</exception>
    public double For(ContentOrigin origin) => origin switch
    {
        ContentOrigin.UserPrompt => UserPrompt,
        ContentOrigin.ToolOutput => ToolOutput,
        ContentOrigin.RetrievedDocument => RetrievedDocument,
        _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, "Unknown content origin."),
    };

    internal void Validate(string path, List<string> errors)
    {
        Check(UserPrompt, $"{path}:{nameof(UserPrompt)}", errors);
        Check(ToolOutput, $"{path}:{nameof(ToolOutput)}", errors);
        Check(RetrievedDocument, $"{path}:{nameof(RetrievedDocument)}", errors);
    }

    private static void Check(double value, string path, List<string> errors)
    {
        if (double.IsNaN(value) || value <= 0 || value > 1)
        {
            errors.Add($"{path} must be greater than 0 and at most 1, but was {value}.");
        }
    }
}
