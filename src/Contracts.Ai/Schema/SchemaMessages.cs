using System;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>Helpers that keep error messages short and free of document content.</summary>
internal static class SchemaMessages
{
    private const int MaxQuoted = 64;

    /// <summary>The message for a string that holds a lone surrogate escape such as <c>\ud800</c>.</summary>
    public const string LoneSurrogate = "the string holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape), so it is not Unicode text";

    /// <summary>The message for a pattern that did not match, could not run or ran out of time.</summary>
    public static string Describe(PatternOutcome outcome, SchemaPattern pattern, ValidationState state, string noMatch) => outcome switch
    {
        PatternOutcome.TimedOut => "the pattern '" + Shorten(pattern.Source) + "' could not be evaluated within the time budget for patterns (" +
            state.PatternBudgetMilliseconds + " ms per validation)",
        PatternOutcome.BudgetExhausted => "the pattern '" + Shorten(pattern.Source) + "' was not evaluated: earlier matches used up the time budget for patterns (" +
            state.PatternBudgetMilliseconds + " ms per validation)",
        PatternOutcome.InvalidText => LoneSurrogate,
        _ => noMatch,
    };

    public static string Shorten(string text)
    {
        if (text.Length <= MaxQuoted)
        {
            return text;
        }

        int cut = char.IsHighSurrogate(text[MaxQuoted - 4]) ? MaxQuoted - 4 : MaxQuoted - 3;
        return string.Concat(text.AsSpan(0, cut), "...");
    }

    /// <summary>A schema value for a message: short scalars as JSON, anything else by kind.</summary>
    public static string DescribeSchemaValue(JsonElement value)
    {
        string raw = value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => value.GetRawText(),
        };
        return Shorten(raw);
    }
}
