using System;
using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;

namespace Contracts.Ai;

/// <summary>
/// Brings text to the form <see cref="HeuristicInjectionDetector"/> matches phrasing on: decodes the layers
/// attackers wrap instructions in (JSON string escapes, HTML entities, URL encoding; nested up to three
/// deep), folds compatibility forms and diacritics (NFKD without combining marks: fullwidth, mathematical
/// letters, ligatures, accents), and maps confusable Cyrillic, Greek and Latin look-alikes to their Latin
/// skeleton (UTS #39 style), so "ign&#111;re", "\u0069gnore", "ｉｇｎｏｒｅ", "ignоre" (Cyrillic о) and
/// "ignóre" all read "ignore".
/// </summary>
/// <remarks>
/// The normalised text is for matching only; it is never shown or sent on. Text without <c>\</c>,
/// <c>&amp;</c>, <c>%</c> or a character folding would change is returned as is, after two vectorized checks.
/// </remarks>
internal static class ScreeningNormalizer
{
    private const int MaxLayers = 3;

    // Each character's decomposition without combining marks, filled on first sight (a lost race writes the same
    // string again); this marker for the characters that need the whole-text normalisation.
    private static readonly string?[] Decompositions = new string?[char.MaxValue + 1];
    private static readonly string NotByCharacter = new('\uFFFF', 1);

    private static readonly SearchValues<char> EncodingMarkers = SearchValues.Create("\\&%");

    // The only characters folding changes: Latin-1 and Latin extensions, combining marks, Greek, Cyrillic,
    // Armenian, phonetic and Latin/Greek extended letters, letterlike and enclosed forms, ligatures,
    // fullwidth forms and the high surrogate of the mathematical alphanumerics. Text whose other non-ASCII
    // characters are bullets, emoji or CJK skips the NFKD pass.
    private static readonly SearchValues<char> Foldable = SearchValues.Create(Ranges(
        ('\u0080', '\u058F'), ('\u1D00', '\u1DBF'), ('\u1E00', '\u1FFF'), ('\u2070', '\u209F'), ('\u2100', '\u218F'),
        ('\u2460', '\u24FF'), ('\uFB00', '\uFB4F'), ('\uFF00', '\uFFEF'), ('\uD835', '\uD835')));

    /// <summary>What normalisation found.</summary>
    [Flags]
    internal enum Findings
    {
        None = 0,

        /// <summary>An encoding layer (JSON escapes, HTML entities, URL encoding) was decoded.</summary>
        Decoded = 1,

        /// <summary>A word mixed Latin letters with confusable letters of another script.</summary>
        MixedScript = 2,
    }

    /// <summary>Returns the text to match phrasing on, and what was found on the way.</summary>
    public static string Normalize(string text, out Findings findings)
    {
        findings = Findings.None;
        string decoded = Decode(text, ref findings);
        if (!NeedsFolding(decoded))
        {
            return decoded;
        }

        string folded = FoldUnicode(decoded, ref findings, out char[] rented).ToString();
        ArrayPool<char>.Shared.Return(rented);
        return folded;
    }

    /// <summary>
    /// Returns the text to match phrasing on, and what was found on the way, without copying folded text into a
    /// string: a folded form is in <paramref name="rented"/>, a buffer of the shared array pool that the caller
    /// returns once done with the span (<see langword="null"/> when nothing was folded).
    /// </summary>
    public static ReadOnlySpan<char> Normalize(string text, out Findings findings, out char[]? rented)
    {
        findings = Findings.None;
        rented = null;
        string decoded = Decode(text, ref findings);
        return NeedsFolding(decoded) ? FoldUnicode(decoded, ref findings, out rented) : decoded;
    }

    /// <summary>Decodes up to <see cref="MaxLayers"/> encoding layers; returns <paramref name="text"/> itself when none applies.</summary>
    private static string Decode(string text, ref Findings findings)
    {
        string current = text;
        for (int layer = 0; layer < MaxLayers && current.AsSpan().ContainsAny(EncodingMarkers); layer++)
        {
            string decoded = DecodeLayer(current);
            if (ReferenceEquals(decoded, current))
            {
                break;
            }

            findings |= Findings.Decoded;
            current = decoded;
        }

        return current;
    }

    /// <summary>Whether <paramref name="text"/> has a character folding may change.</summary>
    internal static bool NeedsFolding(string text) => !Ascii.IsValid(text) && text.AsSpan().ContainsAny(Foldable);

    private static string Ranges(params (char First, char Last)[] ranges)
    {
        var builder = new StringBuilder();
        foreach ((char first, char last) in ranges)
        {
            for (char c = first; c <= last; c++)
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Decodes one layer of JSON escapes, HTML entities and URL encoding; returns the same instance when none applies.</summary>
    internal static string DecodeLayer(string text)
    {
        string result = text;
        if (result.Contains('\\', StringComparison.Ordinal))
        {
            result = DecodeEscapes(result);
        }

        if (result.Contains('&', StringComparison.Ordinal) && HasEntity(result))
        {
            result = WebUtility.HtmlDecode(result);
        }

        if (result.Contains('%', StringComparison.Ordinal) && HasPercentEscapes(result))
        {
            result = DecodePercent(result);
        }

        return string.Equals(result, text, StringComparison.Ordinal) ? text : result;
    }

    /// <summary>JSON and C-style escapes: <c>\uXXXX</c>, <c>\xHH</c>, and, in text that has those, <c>\n \t \r \" \\ \/</c>.</summary>
    private static string DecodeEscapes(string text)
    {
        if (!text.Contains("\\u", StringComparison.OrdinalIgnoreCase) && !text.Contains("\\x", StringComparison.OrdinalIgnoreCase))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        bool changed = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                char kind = text[i + 1];
                int digits = kind is 'u' or 'U' ? 4 : kind is 'x' or 'X' ? 2 : 0;
                if (digits > 0 && i + 2 + digits <= text.Length
                    && int.TryParse(text.AsSpan(i + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                {
                    builder.Append((char)code);
                    i += 1 + digits;
                    changed = true;
                    continue;
                }

                char simple = kind switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '"' => '"', '\\' => '\\', '/' => '/', '\'' => '\'', _ => '\0' };
                if (simple != '\0')
                {
                    builder.Append(simple);
                    i++;
                    changed = true;
                    continue;
                }
            }

            builder.Append(c);
        }

        return changed ? builder.ToString() : text;
    }

    /// <summary>Whether an <c>&amp;name;</c> or <c>&amp;#NN;</c> entity occurs.</summary>
    private static bool HasEntity(string text)
    {
        int from = 0;
        while ((from = text.IndexOf('&', from)) >= 0)
        {
            int end = Math.Min(text.Length, from + 12);
            for (int i = from + 1; i < end; i++)
            {
                char c = text[i];
                if (c == ';')
                {
                    return i > from + 1;
                }

                if (!char.IsAsciiLetterOrDigit(c) && c != '#')
                {
                    break;
                }
            }

            from++;
        }

        return false;
    }

    /// <summary>Whether two or more <c>%HH</c> escapes occur (one alone is more likely "50%A").</summary>
    private static bool HasPercentEscapes(string text)
    {
        int count = 0, from = 0;
        while ((from = text.IndexOf('%', from)) >= 0 && from + 2 < text.Length)
        {
            if (char.IsAsciiHexDigit(text[from + 1]) && char.IsAsciiHexDigit(text[from + 2]) && ++count >= 2)
            {
                return true;
            }

            from++;
        }

        return false;
    }

    /// <summary>Decodes <c>%HH</c> escapes as UTF-8 and <c>+</c> between them as a space; malformed escapes stay as they are.</summary>
    private static string DecodePercent(string text)
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            int n = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '%' && i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
                {
                    bytes[n++] = (byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
                    i += 2;
                }
                else if (c == '+' && i > 0 && i + 1 < text.Length && text[i - 1] != ' ' && text[i + 1] != ' ' && !char.IsAsciiDigit(text[i + 1]))
                {
                    bytes[n++] = (byte)' ';
                }
                else
                {
                    n += Encoding.UTF8.GetBytes(text.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1), bytes.AsSpan(n));
                    i += char.IsHighSurrogate(c) && i + 1 < text.Length ? 1 : 0;
                }
            }

            return Encoding.UTF8.GetString(bytes, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>NFKD without combining marks, then confusables to their Latin skeleton, odd spaces to a space; into <paramref name="rented"/>, a pooled buffer the caller returns.</summary>
    /// <remarks>
    /// Decomposes a character at a time from a table filled on first sight of each character with the same
    /// normalisation, less its combining marks: the same result as normalising the whole text, because NFKD is
    /// each character's decomposition followed by a canonical reordering that only moves combining marks, and
    /// those are dropped. A character whose decomposition keeps a spacing combining mark (which reordering could
    /// move) or a surrogate sends the whole text through the normalisation itself.
    /// </remarks>
    private static ReadOnlySpan<char> FoldUnicode(string text, scoped ref Findings findings, out char[] rented)
    {
        var folder = new Folder(text.Length + 16);
        bool kept = false;
        try
        {
            if (!FoldByCharacter(text, ref folder))
            {
                folder.Reset();
                string decomposed;
                try
                {
                    decomposed = text.Normalize(NormalizationForm.FormKD);
                }
                catch (ArgumentException)
                {
                    // Lone surrogates cannot be normalised; fold what is there without decomposing.
                    decomposed = text;
                }

                foreach (char c in decomposed)
                {
                    if (c >= 128 && CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark)
                    {
                        continue;
                    }

                    folder.Append(c);
                }
            }

            ReadOnlySpan<char> folded = folder.Detach(ref findings, out rented);
            kept = true;
            return folded;
        }
        finally
        {
            if (!kept)
            {
                folder.Dispose();
            }
        }
    }

    /// <summary>Folds <paramref name="text"/> a character at a time; <see langword="false"/> when a character needs the whole-text normalisation.</summary>
    private static bool FoldByCharacter(string text, ref Folder folder)
    {
        string?[] table = Decompositions;
        foreach (char c in text)
        {
            if (c < 128)
            {
                folder.Append(c);
                continue;
            }

            string decomposition = table[c] ?? (table[c] = Decompose(c));
            if (ReferenceEquals(decomposition, NotByCharacter))
            {
                return false;
            }

            foreach (char d in decomposition)
            {
                folder.Append(d);
            }
        }

        return true;
    }

    /// <summary>The NFKD form of <paramref name="c"/> without combining marks, or <see cref="NotByCharacter"/>.</summary>
    private static string Decompose(char c)
    {
        if (char.IsSurrogate(c))
        {
            return NotByCharacter;
        }

        string decomposed = c.ToString().Normalize(NormalizationForm.FormKD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (char d in decomposed)
        {
            UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(d);
            if (d >= 128 && category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (category is UnicodeCategory.SpacingCombiningMark || char.IsSurrogate(d))
            {
                return NotByCharacter;
            }

            kept.Append(d);
        }

        return kept.ToString();
    }

    /// <summary>Maps confusables to their Latin skeleton into a pooled buffer and notes words that mix Latin letters with confusables.</summary>
    private struct Folder(int capacity)
    {
        private char[] _buffer = ArrayPool<char>.Shared.Rent(capacity);
        private int _length;
        private bool _wordHasLatin;
        private bool _wordHasConfusable;
        private bool _mixed;

        public void Append(char c)
        {
            char mapped = Confusables.Map(c);
            if (mapped != c)
            {
                _wordHasConfusable = true;
            }
            else if (char.IsAsciiLetter(c))
            {
                _wordHasLatin = true;
            }
            else if (!char.IsLetter(c))
            {
                _mixed |= _wordHasLatin && _wordHasConfusable;
                _wordHasLatin = _wordHasConfusable = false;
            }

            if (_length == _buffer.Length)
            {
                char[] larger = ArrayPool<char>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<char>.Shared.Return(_buffer);
                _buffer = larger;
            }

            _buffer[_length++] = mapped;
        }

        public void Reset()
        {
            _length = 0;
            _wordHasLatin = _wordHasConfusable = _mixed = false;
        }

        /// <summary>Hands the folded characters over: the buffer goes to the caller, who returns it to the pool.</summary>
        public ReadOnlySpan<char> Detach(scoped ref Findings findings, out char[] buffer)
        {
            if (_mixed || (_wordHasLatin && _wordHasConfusable))
            {
                findings |= Findings.MixedScript;
            }

            buffer = _buffer;
            _buffer = [];
            return buffer.AsSpan(0, _length);
        }

        public void Dispose()
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
