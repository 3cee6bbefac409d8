using System;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Contracts.Ai;

/// <summary>
/// The pre-tokenization of tiktoken's <c>o200k_base</c> and <c>cl100k_base</c>, written out by hand: the
/// same pieces the encodings' split patterns find, scanned over UTF-8 without a regex engine.
/// </summary>
/// <remarks>
/// <para>The patterns (tiktoken_ext/openai_public.py; Microsoft.ML.Tokenizers uses the same strings):</para>
/// <para><c>o200k_base</c>: <c>[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+</c></para>
/// <para><c>cl100k_base</c>: <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c></para>
/// <para>
/// Each method returns where the piece that starts at a position ends, trying the alternatives in
/// order with the backtracking a regex engine would do. Classes are taken per code point, as tiktoken
/// does (a letter outside the BMP is a letter); the input is well-formed UTF-8, so a lone surrogate of
/// the original text arrives as U+FFFD, which is what tiktoken sees too.
/// </para>
/// </remarks>
internal static class TiktokenPreTokenizer
{
    // Character classes. Upper = Lu, Lt; Lower = Ll; OtherLetter = Lm, Lo; Mark = Mn, Mc, Me.
    internal const byte Other = 0;
    internal const byte Upper = 1;
    internal const byte Lower = 2;
    internal const byte OtherLetter = 3;
    internal const byte Mark = 4;
    internal const byte Number = 5;
    internal const byte Space = 6;
    internal const byte Newline = 7;

    // Class sets as bit masks, for one test per character.
    private const int Letters = (1 << Upper) | (1 << Lower) | (1 << OtherLetter);
    private const int UpperSet = (1 << Upper) | (1 << OtherLetter) | (1 << Mark);       // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    private const int LowerSet = (1 << Lower) | (1 << OtherLetter) | (1 << Mark);       // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    private const int PrefixSet = (1 << Other) | (1 << Mark) | (1 << Space);            // [^\r\n\p{L}\p{N}]
    private const int PunctuationSet = (1 << Other) | (1 << Mark);                      // [^\s\p{L}\p{N}]
    private const int WhitespaceSet = (1 << Space) | (1 << Newline);                    // \s

    private static readonly byte[] BmpClasses = BuildBmpClasses();

    // Plane 1 (emoji, historic scripts, symbols) by table too: emoji are most of the 4-byte characters chat text holds.
    private static readonly byte[] Plane1Classes = BuildPlane1Classes();

    /// <summary>Returns the class of the code point at <paramref name="i"/> and its length in bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ClassAt(ReadOnlySpan<byte> text, int i, out int width)
    {
        uint b = text[i];
        if (b < 0x80)
        {
            width = 1;
            return BmpClasses[b];
        }

        return NonAsciiClassAt(text, i, out width);
    }

    private static int NonAsciiClassAt(ReadOnlySpan<byte> text, int i, out int width)
    {
        uint b = text[i];
        if (b < 0xE0)
        {
            width = 2;
            return BmpClasses[((b & 0x1F) << 6) | (text[i + 1] & 0x3Fu)];
        }

        if (b < 0xF0)
        {
            width = 3;
            return BmpClasses[((b & 0x0F) << 12) | ((text[i + 1] & 0x3Fu) << 6) | (text[i + 2] & 0x3Fu)];
        }

        width = 4;
        uint codePoint = ((b & 0x07) << 18) | ((text[i + 1] & 0x3Fu) << 12) | ((text[i + 2] & 0x3Fu) << 6) | (text[i + 3] & 0x3Fu);
        return codePoint - 0x10000 < 0x10000 ? Plane1Classes[codePoint - 0x10000] : Classify(CharUnicodeInfo.GetUnicodeCategory((int)codePoint));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool In(int set, int characterClass) => ((set >> characterClass) & 1) != 0;

    /// <summary>Returns the end of the <c>o200k_base</c> piece that starts at <paramref name="i"/>.</summary>
    internal static int NextO200k(ReadOnlySpan<byte> text, int i)
    {
        int ascii = AsciiWord(text, i, o200k: true);
        if (ascii > 0)
        {
            return ascii;
        }

        int first = ClassAt(text, i, out int width);

        // Alternatives 1 and 2, each first with the optional leading character, then without. Both need a letter or mark
        // after the leading character, so a leading character before anything else (a run of emoji, of punctuation) skips them.
        if (In(Letters | (1 << Mark), first) ||
            (In(PrefixSet, first) && i + width < text.Length && In(UpperSet | LowerSet, ClassAt(text, i + width, out _))))
        {
            bool prefix = In(PrefixSet, first);
            int end;
            if ((prefix && (end = CasedWord(text, i + width)) > 0) || (In(UpperSet | LowerSet, first) && (end = CasedWord(text, i)) > 0) ||
                (prefix && (end = UpperWord(text, i + width)) > 0) || (In(UpperSet, first) && (end = UpperWord(text, i)) > 0))
            {
                return end;
            }
        }

        return first switch
        {
            Number => Digits(text, i + width),
            Other or Mark => Punctuation(text, i, o200k: true),
            Space when text[i] == (byte)' ' && i + 1 < text.Length && In(PunctuationSet, ClassAt(text, i + 1, out _)) => Punctuation(text, i + 1, o200k: true),
            _ => Whitespace(text, i),
        };
    }

    /// <summary>Returns the end of the <c>cl100k_base</c> piece that starts at <paramref name="i"/>.</summary>
    internal static int NextCl100k(ReadOnlySpan<byte> text, int i)
    {
        int ascii = AsciiWord(text, i, o200k: false);
        if (ascii > 0)
        {
            return ascii;
        }

        int first = ClassAt(text, i, out int width);
        if (text[i] == (byte)'\'')
        {
            int contraction = Contraction(text, i);
            if (contraction > i)
            {
                return contraction;
            }
        }

        if (In(Letters, first))
        {
            return LetterRun(text, i + width);
        }

        // Marks are not letters here: they are punctuation, and may lead a word.
        if (In(PrefixSet, first) && i + width < text.Length && In(Letters, ClassAt(text, i + width, out int next)))
        {
            return LetterRun(text, i + width + next);
        }

        return first switch
        {
            Number => Digits(text, i + width),
            Other or Mark => Punctuation(text, i, o200k: false),
            Space when text[i] == (byte)' ' && i + 1 < text.Length && In(PunctuationSet, ClassAt(text, i + 1, out _)) => Punctuation(text, i + 1, o200k: false),
            _ => Whitespace(text, i),
        };
    }

    /// <summary>
    /// The piece at <paramref name="i"/> when it is the most common kind, a word of ASCII letters after an optional ASCII
    /// character that is neither a letter, a digit nor a line break, followed by ASCII that continues no pattern; -1 otherwise
    /// (the general path decides).
    /// </summary>
    /// <remarks>
    /// o200k_base takes uppercase letters then lowercase ones (<c>[A-Z]*[a-z]+</c>, else <c>[A-Z]+</c>), so its piece ends
    /// where that run ends, also before an uppercase letter; an apostrophe may add a contraction, and a byte of a
    /// non-ASCII character may be a letter or a mark, so both are left to the general path. cl100k_base takes every
    /// letter (<c>\p{L}+</c>); an apostrophe leading the piece may be a contraction.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AsciiWord(ReadOnlySpan<byte> text, int i, bool o200k)
    {
        int p = i;
        uint c = text[p];
        if (!IsAsciiLetter(c))
        {
            if (c >= 0x80 || c is '\r' or '\n' || c - '0' <= 9 || (!o200k && c == '\'') || p + 1 >= text.Length || !IsAsciiLetter(text[p + 1]))
            {
                return -1;
            }

            p++;
        }

        if (o200k)
        {
            while (p < text.Length && text[p] - (uint)'A' <= 'Z' - 'A')
            {
                p++;
            }

            while (p < text.Length && text[p] - (uint)'a' <= 'z' - 'a')
            {
                p++;
            }

            return p == text.Length || (text[p] < 0x80 && text[p] != '\'') ? p : -1;
        }

        while (p < text.Length && IsAsciiLetter(text[p]))
        {
            p++;
        }

        return p == text.Length || text[p] < 0x80 ? p : -1;

        static bool IsAsciiLetter(uint c) => (c | 0x20) - 'a' <= 'z' - 'a';
    }

    /// <summary><c>[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+</c> then an optional contraction, at <paramref name="s"/>; -1 when it does not match.</summary>
    private static int CasedWord(ReadOnlySpan<byte> text, int s)
    {
        // The greedy upper run, remembering its last character that the lower class also takes: when
        // no lower character follows the run, backtracking ends the match just after that one.
        int p = s;
        int lastShared = -1;
        int lastSharedWidth = 0;
        int characterClass = -1;
        while (p < text.Length)
        {
            characterClass = ClassAt(text, p, out int width);
            if (!In(UpperSet, characterClass))
            {
                break;
            }

            if (In(LowerSet, characterClass))
            {
                lastShared = p;
                lastSharedWidth = width;
            }

            p += width;
        }

        int end;
        if (p < text.Length && characterClass == Lower)
        {
            end = p;
            while (end < text.Length && In(LowerSet, ClassAt(text, end, out int width)))
            {
                end += width;
            }
        }
        else if (lastShared >= 0)
        {
            end = lastShared + lastSharedWidth;
        }
        else
        {
            return -1;
        }

        return Math.Max(end, Contraction(text, end));
    }

    /// <summary><c>[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*</c> then an optional contraction, at <paramref name="s"/>; -1 when it does not match.</summary>
    private static int UpperWord(ReadOnlySpan<byte> text, int s)
    {
        int p = s;
        int width;
        while (p < text.Length && In(UpperSet, ClassAt(text, p, out width)))
        {
            p += width;
        }

        if (p == s)
        {
            return -1;
        }

        while (p < text.Length && In(LowerSet, ClassAt(text, p, out width)))
        {
            p += width;
        }

        return Math.Max(p, Contraction(text, p));
    }

    /// <summary><c>(?i:'s|'t|'re|'ve|'m|'ll|'d)</c> at <paramref name="p"/>: the end of the contraction, or -1.</summary>
    private static int Contraction(ReadOnlySpan<byte> text, int p)
    {
        if (p + 1 >= text.Length || text[p] != (byte)'\'')
        {
            return -1;
        }

        int c = text[p + 1] | 0x20;
        switch (c)
        {
            case 's':
            case 't':
            case 'm':
            case 'd':
                return text[p + 1] is >= (byte)'A' and <= (byte)'z' ? p + 2 : -1;
            case 'r':
            case 'v':
                return p + 2 < text.Length && (text[p + 2] | 0x20) == 'e' && text[p + 1] is >= (byte)'A' and <= (byte)'z' && text[p + 2] is >= (byte)'A' and <= (byte)'z' ? p + 3 : -1;
            case 'l':
                return p + 2 < text.Length && (text[p + 2] | 0x20) == 'l' && text[p + 1] is >= (byte)'A' and <= (byte)'z' && text[p + 2] is >= (byte)'A' and <= (byte)'z' ? p + 3 : -1;
        }

        // U+017F LATIN SMALL LETTER LONG S folds to 's' under case-insensitive matching.
        return p + 2 < text.Length && text[p + 1] == 0xC5 && text[p + 2] == 0xBF ? p + 3 : -1;
    }

    /// <summary><c>\p{L}+</c> from <paramref name="p"/> (its first letter already seen).</summary>
    private static int LetterRun(ReadOnlySpan<byte> text, int p)
    {
        while (p < text.Length && In(Letters, ClassAt(text, p, out int width)))
        {
            p += width;
        }

        return p;
    }

    /// <summary>The rest of <c>\p{N}{1,3}</c> after its first digit, which ends at <paramref name="p"/>.</summary>
    private static int Digits(ReadOnlySpan<byte> text, int p)
    {
        for (int taken = 1; taken < 3 && p < text.Length && ClassAt(text, p, out int width) == Number; taken++)
        {
            p += width;
        }

        return p;
    }

    /// <summary><c>[^\s\p{L}\p{N}]+[\r\n]*</c> (o200k: <c>[\r\n/]*</c>) from <paramref name="p"/>, whose character is in the first class.</summary>
    private static int Punctuation(ReadOnlySpan<byte> text, int p, bool o200k)
    {
        while (p < text.Length && In(PunctuationSet, ClassAt(text, p, out int width)))
        {
            p += width;
        }

        while (p < text.Length && (text[p] is (byte)'\r' or (byte)'\n' || (o200k && text[p] == (byte)'/')))
        {
            p++;
        }

        return p;
    }

    /// <summary><c>\s*[\r\n]+|\s+(?!\S)|\s+</c> at <paramref name="i"/>, a white-space character.</summary>
    private static int Whitespace(ReadOnlySpan<byte> text, int i)
    {
        int p = i;
        int lastNewline = -1;
        int width = 1;
        int characterClass;
        while (p < text.Length && In(WhitespaceSet, characterClass = ClassAt(text, p, out width)))
        {
            if (characterClass == Newline)
            {
                lastNewline = p;
            }

            p += width;
        }

        if (lastNewline >= 0)
        {
            return lastNewline + 1;
        }

        if (p == text.Length)
        {
            return p;
        }

        // Give back the last white-space character, so it can lead the word that follows.
        int last = LastCharacterStart(text, p);
        return last > i ? last : p;
    }

    private static int LastCharacterStart(ReadOnlySpan<byte> text, int end)
    {
        int p = end - 1;
        while ((text[p] & 0xC0) == 0x80)
        {
            p--;
        }

        return p;
    }

    private static byte Classify(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => Upper,
        UnicodeCategory.LowercaseLetter => Lower,
        UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => OtherLetter,
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => Mark,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
        _ => Other,
    };

    private static byte[] BuildPlane1Classes()
    {
        var classes = new byte[0x10000];
        for (int c = 0; c < classes.Length; c++)
        {
            classes[c] = Classify(CharUnicodeInfo.GetUnicodeCategory(0x10000 + c));
        }

        return classes;
    }

    private static byte[] BuildBmpClasses()
    {
        var classes = new byte[0x10000];
        for (int c = 0; c < classes.Length; c++)
        {
            char ch = (char)c;
            classes[c] = ch is '\r' or '\n' ? Newline
                : char.IsSurrogate(ch) ? Other
                : char.IsWhiteSpace(ch) ? Space
                : Classify(CharUnicodeInfo.GetUnicodeCategory(ch));
        }

        return classes;
    }
}
