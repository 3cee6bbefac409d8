using System;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary><c>minLength</c> / <c>maxLength</c>, counted in Unicode code points.</summary>
internal sealed class LengthKeyword(string keyword, long limit, bool isMinimum) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        int length = JsonValues.CountCodePoints(instance);
        if (isMinimum ? length >= limit : length <= limit)
        {
            return true;
        }

        if (state.Collecting)
        {
            state.AddError(keyword, "string has " + length + " characters; expected " + (isMinimum ? "at least " : "at most ") + limit);
        }

        return false;
    }
}

/// <summary><c>pattern</c>: an unanchored regular expression search.</summary>
internal sealed class PatternKeyword(Regex regex, string pattern) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        if (RegexMatch.IsMatch(regex, instance, state, out bool timedOut))
        {
            return true;
        }

        if (state.Collecting && !timedOut)
        {
            state.AddError("pattern", "string does not match the pattern '" + SchemaMessages.Shorten(pattern) + "'");
        }

        return false;
    }
}

/// <summary>Runs patterns with their match timeout; a timeout is a failure (fail closed), recorded as such.</summary>
internal static class RegexMatch
{
    public static bool IsMatch(Regex regex, JsonElement text, ValidationState state, out bool timedOut)
    {
        try
        {
            timedOut = false;
            return JsonValues.IsMatch(regex, text);
        }
        catch (RegexMatchTimeoutException)
        {
            timedOut = true;
            RecordTimeout(regex, state);
            return false;
        }
    }

    public static bool IsMatch(Regex regex, JsonProperty name, ValidationState state, out bool timedOut)
    {
        try
        {
            timedOut = false;
            return JsonValues.IsMatch(regex, name);
        }
        catch (RegexMatchTimeoutException)
        {
            timedOut = true;
            RecordTimeout(regex, state);
            return false;
        }
    }

    private static void RecordTimeout(Regex regex, ValidationState state)
    {
        if (state.Collecting)
        {
            state.AddError("pattern", "the pattern '" + SchemaMessages.Shorten(regex.ToString()) + "' could not be evaluated within " + regex.MatchTimeout.TotalMilliseconds + " ms");
        }
    }
}
