using System;
using static Contracts.Ai.PhrasingText;

namespace Contracts.Ai;

/// <summary>
/// The dual-response phrasing of <see cref="InjectionSignals"/> read directly, once over a whole text: a request for
/// two answers of which one is singled out (<c>give two different responses ... the first</c>) or a bracketed
/// response label (<c>[🔓JAILBREAK]</c>, <c>[CLASSIC]</c>, <c>[Developer Mode Output]</c>). It finds exactly what its
/// pattern, <c>\b(?:two|both|separate)\s+(?:different\s+|distinct\s+)?(?:responses|answers|paragraphs)\b.{0,80}\b(?:one|first)\b|\[(?:🔒|🔓)?\s*(?:classic|jailbreak|normal|developer\s+mode)\s*(?:output)?\]</c>,
/// finds in the whole text, ignoring ASCII case, without a regex engine.
/// </summary>
internal static class DualResponses
{
    private static readonly Anchors Counts = new(ignoreCase: true, "two", "both", "separate");
    private static readonly string[] Qualifiers = ["different", "distinct"];
    private static readonly string[] Nouns = ["responses", "answers", "paragraphs"];
    private static readonly string[] Picks = ["one", "first"];
    private static readonly string[] Labels = ["classic", "jailbreak", "normal"];

    /// <summary>Whether <paramref name="text"/> asks for two responses or labels one.</summary>
    public static bool Occur(ReadOnlySpan<char> text) => LabelledResponse(text) || TwoResponses(text);

    /// <summary><c>\b(?:two|both|separate)\s+(?:different\s+|distinct\s+)?(?:responses|answers|paragraphs)\b.{0,80}\b(?:one|first)\b</c>.</summary>
    private static bool TwoResponses(ReadOnlySpan<char> text)
    {
        for (int at = Counts.IndexIn(text, 0); at >= 0; at = Counts.IndexIn(text, at + 1))
        {
            if (at > 0 && IsWordChar(text[at - 1]))
            {
                continue;
            }

            int count = WordAt(text, at, "two") ? 3 : WordAt(text, at, "both") ? 4 : WordAt(text, at, "separate") ? 8 : 0;
            int noun = SkipWhiteSpace(text, at + count);
            if (count == 0 || noun == at + count)
            {
                continue;
            }

            if (PicksOneAfterNoun(text, noun))
            {
                return true;
            }

            foreach (string qualifier in Qualifiers)
            {
                int after = noun + qualifier.Length;
                if (WordAt(text, noun, qualifier) && SkipWhiteSpace(text, after) > after && PicksOneAfterNoun(text, SkipWhiteSpace(text, after)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>(?:responses|answers|paragraphs)\b.{0,80}\b(?:one|first)\b</c> at <paramref name="at"/>.</summary>
    private static bool PicksOneAfterNoun(ReadOnlySpan<char> text, int at)
    {
        foreach (string noun in Nouns)
        {
            int end = at + noun.Length;
            if (!WordAt(text, at, noun) || (end < text.Length && IsWordChar(text[end])))
            {
                continue;
            }

            // A pick starts after a character that is not a word character, at most 80 characters on, with no newline before it.
            for (int p = end + 1; p <= end + 80 && p < text.Length && text[p - 1] != '\n'; p++)
            {
                if (IsWordChar(text[p - 1]))
                {
                    continue;
                }

                foreach (string pick in Picks)
                {
                    int pickEnd = p + pick.Length;
                    if (WordAt(text, p, pick) && (pickEnd == text.Length || !IsWordChar(text[pickEnd])))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary><c>\[(?:🔒|🔓)?\s*(?:classic|jailbreak|normal|developer\s+mode)\s*(?:output)?\]</c>.</summary>
    private static bool LabelledResponse(ReadOnlySpan<char> text)
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
            int at = from;
            if (at + 1 < text.Length && text[at] == '\uD83D' && text[at + 1] is '\uDD12' or '\uDD13')
            {
                at += 2;
            }

            at = SkipWhiteSpace(text, at);
            int end = LabelEnd(text, at);
            if (end < 0)
            {
                continue;
            }

            end = SkipWhiteSpace(text, end);
            if (WordAt(text, end, "output"))
            {
                end += 6;
            }

            if (end < text.Length && text[end] == ']')
            {
                return true;
            }
        }
    }

    private static int LabelEnd(ReadOnlySpan<char> text, int at) => PhrasingText.LabelEnd(text, at, Labels, "developer", "mode");
}
