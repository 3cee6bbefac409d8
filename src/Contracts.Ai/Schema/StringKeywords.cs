using System.Text.Json;

namespace Contracts.Ai;

/// <summary><c>minLength</c> / <c>maxLength</c>, counted in Unicode code points.</summary>
internal sealed class LengthKeyword(string keyword, long limit, bool isMinimum) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        int length = JsonValues.CountCodePoints(instance);
        if (length >= 0 && (isMinimum ? length >= limit : length <= limit))
        {
            return true;
        }

        if (state.Collecting)
        {
            state.AddError(keyword, length < 0
                ? SchemaMessages.LoneSurrogate
                : "string has " + length + " characters; expected " + (isMinimum ? "at least " : "at most ") + limit);
        }

        return false;
    }
}

/// <summary><c>pattern</c>: an unanchored regular expression search.</summary>
internal sealed class PatternKeyword(SchemaPattern pattern) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        PatternOutcome outcome = pattern.Match(instance, state);
        if (outcome == PatternOutcome.Match)
        {
            return true;
        }

        if (state.Collecting)
        {
            state.AddError("pattern", SchemaMessages.Describe(outcome, pattern, state, "string does not match the pattern '" + SchemaMessages.Shorten(pattern.Source) + "'"));
        }

        return false;
    }
}
