using System;
using static Contracts.Ai.PhrasingText;

namespace Contracts.Ai;

/// <summary>
/// The fake-conversation phrasing of <see cref="InjectionSignals"/> read directly, once over a whole text: a
/// speaker label at the start of a line (<c>User:</c>, <c>  assistant :</c>), a bracketed role tag
/// (<c>[system note]</c>, <c>[admin: ...]</c>, <c>[user left the chat]</c>) or a system heading
/// (<c>System instructions:</c>, <c>system override]</c>). It finds exactly what its pattern,
/// <c>(?m:^[ \t]*(?:human|user|assistant|system|ai|chatgpt)[ \t]*:)|\[(?:system|admin|developer|user\s+left|debug)[^\]\n]{0,60}\]|\bsystem\s+(?:instruction|message|prompt|override|note)s?\s*[:\]]</c>,
/// finds in the whole text, ignoring case, without a regex engine and at the speed of a vectorized search for
/// the characters every match holds.
/// </summary>
/// <remarks>
/// A window of the text around an anchor reads a line start at the window's start, so the pattern run over
/// windows could take a label in mid-line for one; here a line starts only at the text's start or after
/// <c>\n</c>. Cases are compared in ASCII: the text has been folded (<see cref="ScreeningNormalizer"/>), so the
/// letters that fold to these ASCII letters (the Kelvin sign, the long s) are gone, and the pattern does not take
/// them for ASCII letters either.
/// </remarks>
internal static class ConversationTurns
{
    private static readonly string[] Speakers = ["human", "user", "assistant", "system", "ai", "chatgpt"];
    private static readonly string[] Tags = ["system", "admin", "developer", "debug"];
    private static readonly string[] Headings = ["instruction", "message", "prompt", "override", "note"];

    /// <summary>Whether <paramref name="text"/> holds a fake conversation turn.</summary>
    public static bool Occur(ReadOnlySpan<char> text) => SpeakerAtLineStart(text) || BracketedTag(text) || SystemHeading(text);

    /// <summary><c>(?m:^[ \t]*(?:human|user|assistant|system|ai|chatgpt)[ \t]*:)</c>.</summary>
    private static bool SpeakerAtLineStart(ReadOnlySpan<char> text)
    {
        int line = 0;
        while (true)
        {
            int at = SkipSpacesAndTabs(text, line);
            foreach (string speaker in Speakers)
            {
                if (WordAt(text, at, speaker))
                {
                    int after = SkipSpacesAndTabs(text, at + speaker.Length);
                    if (after < text.Length && text[after] == ':')
                    {
                        return true;
                    }
                }
            }

            int newline = text[line..].IndexOf('\n');
            if (newline < 0)
            {
                return false;
            }

            line += newline + 1;
        }
    }

    /// <summary><c>\[(?:system|admin|developer|user\s+left|debug)[^\]\n]{0,60}\]</c>.</summary>
    private static bool BracketedTag(ReadOnlySpan<char> text)
    {
        int from = 0;
        while (true)
        {
            int bracket = text[from..].IndexOf('[');
            if (bracket < 0)
            {
                return false;
            }

            bracket += from;
            from = bracket + 1;
            int end = TagEnd(text, from);
            if (end < 0)
            {
                continue;
            }

            // The first ']' or newline after the tag closes it when it is a ']' at most 60 characters on.
            ReadOnlySpan<char> rest = text[end..Math.Min(text.Length, end + 61)];
            int close = rest.IndexOfAny(']', '\n');
            if (close >= 0 && rest[close] == ']')
            {
                return true;
            }
        }
    }

    /// <summary>Where the tag word at <paramref name="at"/> ends, or -1 when none starts there.</summary>
    private static int TagEnd(ReadOnlySpan<char> text, int at) => PhrasingText.LabelEnd(text, at, Tags, "user", "left");

    /// <summary><c>\bsystem\s+(?:instruction|message|prompt|override|note)s?\s*[:\]]</c>.</summary>
    private static bool SystemHeading(ReadOnlySpan<char> text)
    {
        int from = 0;
        while (true)
        {
            int at = text[from..].IndexOf("system", StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return false;
            }

            at += from;
            from = at + 1;
            if ((at > 0 && IsWordChar(text[at - 1])) || !WordAt(text, at, "system"))
            {
                continue;
            }

            int word = SkipWhiteSpace(text, at + 6);
            if (word == at + 6)
            {
                continue;
            }

            foreach (string heading in Headings)
            {
                if (WordAt(text, word, heading))
                {
                    int end = word + heading.Length;
                    if (end < text.Length && (text[end] | 0x20) == 's')
                    {
                        end++;
                    }

                    end = SkipWhiteSpace(text, end);
                    if (end < text.Length && text[end] is ':' or ']')
                    {
                        return true;
                    }
                }
            }
        }
    }
}
