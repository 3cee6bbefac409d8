using System;
using System.Globalization;
using System.Text;

namespace Contracts.Ai;

/// <summary>
/// What the phrasing read directly (<see cref="ConversationTurns"/>, <see cref="DualResponses"/>) needs to read text
/// as their patterns do: words compared ignoring ASCII case only, <c>\s</c> and the word characters of <c>\b</c>.
/// </summary>
internal static class PhrasingText
{
    /// <summary>Whether <paramref name="word"/> (lower-case ASCII) is at <paramref name="at"/>, ignoring ASCII case only (as the patterns do: "\u017Fystem" is not "system").</summary>
    public static bool WordAt(ReadOnlySpan<char> text, int at, string word) =>
        at >= 0 && at + word.Length <= text.Length && Ascii.EqualsIgnoreCase(text.Slice(at, word.Length), word);

    /// <summary>
    /// Where a label at <paramref name="at"/> ends: one of <paramref name="words"/>, or <paramref name="first"/> and
    /// <paramref name="second"/> with white space between them; -1 when none starts there.
    /// </summary>
    public static int LabelEnd(ReadOnlySpan<char> text, int at, string[] words, string first, string second)
    {
        foreach (string word in words)
        {
            if (WordAt(text, at, word))
            {
                return at + word.Length;
            }
        }

        if (WordAt(text, at, first))
        {
            int then = SkipWhiteSpace(text, at + first.Length);
            if (then > at + first.Length && WordAt(text, then, second))
            {
                return then + second.Length;
            }
        }

        return -1;
    }

    /// <summary>Skips <c>\s</c>: the white space of <see cref="char.IsWhiteSpace(char)"/>, the same set.</summary>
    public static int SkipWhiteSpace(ReadOnlySpan<char> text, int at)
    {
        while (at < text.Length && char.IsWhiteSpace(text[at]))
        {
            at++;
        }

        return at;
    }

    /// <summary>Skips <c>[ \t]*</c>.</summary>
    public static int SkipSpacesAndTabs(ReadOnlySpan<char> text, int at)
    {
        while (at < text.Length && text[at] is ' ' or '\t')
        {
            at++;
        }

        return at;
    }

    /// <summary>A character of <c>\w</c> (letters, decimal digits, non-spacing marks, connector punctuation) or a zero-width (non-)joiner, as <c>\b</c> reads them.</summary>
    public static bool IsWordChar(char c)
    {
        if (c < 128)
        {
            return char.IsAsciiLetterOrDigit(c) || c == '_';
        }

        return c is '\u200C' or '\u200D' || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
    }
}
