using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Contracts.Ai;

/// <summary>
/// Translates an ECMA-262 regular expression, which JSON Schema's <c>pattern</c> and <c>patternProperties</c>
/// use (with the <c>u</c> flag: Unicode property escapes and code points), into .NET syntax with the same
/// meaning where the two differ:
/// <list type="bullet">
/// <item><c>$</c> is the end of the text only (.NET's also matches before a final newline): <c>\z</c>.</item>
/// <item><c>\d</c>, <c>\w</c> and <c>\b</c> are ASCII (.NET's are Unicode); <c>\s</c> is ECMA-262's white space
/// and line terminators (which include U+FEFF and exclude U+0085).</item>
/// <item><c>.</c> matches one code point except the line terminators <c>\n \r \u2028 \u2029</c>.</item>
/// <item>Negated sets (<c>[^...]</c>, <c>\D</c>, <c>\W</c>, <c>\S</c>, <c>\P{...}</c>) and <c>.</c> match a whole surrogate
/// pair, a literal or <c>\u{...}</c> code point outside the BMP is one unit for a quantifier, and sets may
/// hold such code points and ranges of them.</item>
/// <item>Unicode property escapes with long General_Category names (<c>\p{Letter}</c>) become .NET's short names;
/// <c>[]</c> matches nothing and <c>[^]</c> any code point; <c>[</c> inside a set is a literal (no .NET subtraction).</item>
/// </list>
/// The translated expression never depends on .NET's ECMAScript option, so it can run on the non-backtracking
/// engine when it has no backreference or lookaround. Texts given to it are valid UTF-16 (the validator
/// reports a lone surrogate before matching), which the surrogate-pair forms rely on.
/// </summary>
internal static class EcmaPattern
{
    private const string Pair = @"[\uD800-\uDBFF][\uDC00-\uDFFF]";

    // ECMA-262 WhiteSpace and LineTerminator code points, as inclusive ranges.
    private static readonly (char First, char Last)[] SpaceRanges =
    [
        ('\t', '\r'), (' ', ' '), ('\u00A0', '\u00A0'), ('\u1680', '\u1680'), ('\u2000', '\u200A'),
        ('\u2028', '\u2029'), ('\u202F', '\u202F'), ('\u205F', '\u205F'), ('\u3000', '\u3000'), ('\uFEFF', '\uFEFF'),
    ];

    private static readonly (char First, char Last)[] DigitRanges = [('0', '9')];

    private static readonly (char First, char Last)[] WordRanges = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

    private static readonly string Digits = Ranges(DigitRanges);
    private static readonly string Words = Ranges(WordRanges);
    private static readonly string Spaces = Ranges(SpaceRanges);
    private static readonly string NotDigits = Ranges(Complement(DigitRanges));
    private static readonly string NotWords = Ranges(Complement(WordRanges));
    private static readonly string NotSpaces = Ranges(Complement(SpaceRanges));

    private static readonly Dictionary<string, string> Categories = new(StringComparer.Ordinal)
    {
        ["Letter"] = "L", ["Uppercase_Letter"] = "Lu", ["Lowercase_Letter"] = "Ll", ["Titlecase_Letter"] = "Lt",
        ["Cased_Letter"] = "LC", ["Modifier_Letter"] = "Lm", ["Other_Letter"] = "Lo", ["Mark"] = "M", ["Combining_Mark"] = "M",
        ["Nonspacing_Mark"] = "Mn", ["Spacing_Mark"] = "Mc", ["Enclosing_Mark"] = "Me", ["Number"] = "N",
        ["Decimal_Number"] = "Nd", ["digit"] = "Nd", ["Letter_Number"] = "Nl", ["Other_Number"] = "No",
        ["Punctuation"] = "P", ["punct"] = "P", ["Connector_Punctuation"] = "Pc", ["Dash_Punctuation"] = "Pd",
        ["Open_Punctuation"] = "Ps", ["Close_Punctuation"] = "Pe", ["Initial_Punctuation"] = "Pi",
        ["Final_Punctuation"] = "Pf", ["Other_Punctuation"] = "Po", ["Symbol"] = "S", ["Math_Symbol"] = "Sm",
        ["Currency_Symbol"] = "Sc", ["Modifier_Symbol"] = "Sk", ["Other_Symbol"] = "So", ["Separator"] = "Z",
        ["Space_Separator"] = "Zs", ["Line_Separator"] = "Zl", ["Paragraph_Separator"] = "Zp", ["Other"] = "C",
        ["Control"] = "Cc", ["cntrl"] = "Cc", ["Format"] = "Cf", ["Surrogate"] = "Cs", ["Private_Use"] = "Co",
        ["Unassigned"] = "Cn",
    };

    /// <summary>Returns the pattern in .NET syntax with ECMA-262 semantics.</summary>
    /// <exception cref="ArgumentException">The pattern is malformed in a way the translation detects (an unclosed set or escape).</exception>
    public static string Translate(string pattern)
    {
        StringBuilder result = new(pattern.Length + 16);
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '\\':
                    i = TranslateEscape(pattern, i, result);
                    break;
                case '[':
                    i = TranslateSet(pattern, i, result);
                    break;
                case '.':
                    result.Append("(?:[^\\n\\r\\u2028\\u2029\\uD800-\\uDFFF]|").Append(Pair).Append(')');
                    i++;
                    break;
                case '$':
                    result.Append("\\z");
                    i++;
                    break;
                case '(' when i + 2 < pattern.Length && pattern[i + 1] == '?' && pattern[i + 2] == '<' && i + 3 < pattern.Length && pattern[i + 3] is not ('=' or '!'):
                    // A named group: copy its name verbatim.
                    int close = pattern.IndexOf('>', i);
                    int stop = close < 0 ? pattern.Length : close + 1;
                    result.Append(pattern, i, stop - i);
                    i = stop;
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
                    {
                        result.Append("(?:").Append(c).Append(pattern[i + 1]).Append(')');
                        i += 2;
                    }
                    else
                    {
                        result.Append(c);
                        i++;
                    }

                    break;
            }
        }

        return result.ToString();
    }

    private static int TranslateEscape(string pattern, int i, StringBuilder result)
    {
        if (i + 1 >= pattern.Length)
        {
            throw new ArgumentException("the pattern ends with a lone backslash");
        }

        char next = pattern[i + 1];
        switch (next)
        {
            case 'd':
                result.Append('[').Append(Digits).Append(']');
                return i + 2;
            case 'w':
                result.Append('[').Append(Words).Append(']');
                return i + 2;
            case 's':
                result.Append('[').Append(Spaces).Append(']');
                return i + 2;
            case 'D':
                AppendCodePointSet(result, NotDigits);
                return i + 2;
            case 'W':
                AppendCodePointSet(result, NotWords);
                return i + 2;
            case 'S':
                AppendCodePointSet(result, NotSpaces);
                return i + 2;
            case 'b':
                result.Append("(?:(?<=[").Append(Words).Append("])(?![").Append(Words).Append("])|(?<![").Append(Words).Append("])(?=[").Append(Words).Append("]))");
                return i + 2;
            case 'B':
                result.Append("(?:(?<=[").Append(Words).Append("])(?=[").Append(Words).Append("])|(?<![").Append(Words).Append("])(?![").Append(Words).Append("]))");
                return i + 2;
            case '0' when i + 2 >= pattern.Length || !char.IsAsciiDigit(pattern[i + 2]):
                result.Append("\\x00");
                return i + 2;
            case 'p':
            case 'P':
                int end = PropertyEscape(pattern, i, out string property);
                if (next == 'P')
                {
                    // A code point outside the BMP is taken as not in the category (.NET classifies UTF-16 units).
                    result.Append("(?:").Append(Pair).Append('|').Append(property).Append(')');
                }
                else
                {
                    result.Append(property);
                }

                return end;
            case 'u':
                int after = CodePointEscape(pattern, i, out int codePoint);
                if (after < 0)
                {
                    break;
                }

                if (codePoint > 0xFFFF)
                {
                    result.Append("(?:").Append(Escape(char.ConvertFromUtf32(codePoint)[0])).Append(Escape(char.ConvertFromUtf32(codePoint)[1])).Append(')');
                }
                else
                {
                    result.Append(Escape((char)codePoint));
                }

                return after;
        }

        result.Append('\\').Append(next);
        return i + 2;
    }

    private static int TranslateSet(string pattern, int i, StringBuilder result)
    {
        int start = i;
        i++;
        bool negated = i < pattern.Length && pattern[i] == '^';
        if (negated)
        {
            i++;
        }

        StringBuilder bmp = new();
        List<(int First, int Last)> astral = [];
        bool allAstral = false;
        while (true)
        {
            if (i >= pattern.Length)
            {
                throw new ArgumentException("the character set opened at index " + start.ToString(CultureInfo.InvariantCulture) + " is not closed");
            }

            if (pattern[i] == ']')
            {
                i++;
                break;
            }

            int atom = ReadSetAtom(pattern, ref i, bmp, ref allAstral);
            if (atom < 0)
            {
                continue;
            }

            int last = atom;
            if (i + 1 < pattern.Length && pattern[i] == '-' && pattern[i + 1] != ']')
            {
                int rangeStart = i;
                i++;
                int high = ReadSetAtom(pattern, ref i, bmp, ref allAstral);
                if (high < 0)
                {
                    // A class escape cannot end a range: '-' is a literal (what ECMA-262 does without the u flag).
                    AddCodePoint(bmp, astral, atom, atom);
                    bmp.Append("\\-");
                    continue;
                }

                last = high;
                if (last < atom)
                {
                    throw new ArgumentException("the character range at index " + rangeStart.ToString(CultureInfo.InvariantCulture) + " is out of order");
                }
            }

            AddCodePoint(bmp, astral, atom, last);
        }

        string units = bmp.ToString();
        if (!negated)
        {
            List<string> branches = [];
            if (units.Length > 0)
            {
                branches.Add("[" + units + "]");
            }

            if (allAstral)
            {
                branches.Add(Pair);
            }
            else
            {
                AddAstralBranches(astral, branches);
            }

            AppendAlternatives(result, branches);
            return i;
        }

        // Negated: one code point outside the set.
        if (allAstral)
        {
            result.Append('[').Append('^').Append(units).Append(@"\uD800-\uDFFF]");
            return i;
        }

        if (astral.Count > 0)
        {
            List<string> excluded = [];
            AddAstralBranches(astral, excluded);
            result.Append("(?!");
            AppendAlternatives(result, excluded);
            result.Append(')');
        }

        result.Append("(?:[^").Append(units).Append(@"\uD800-\uDFFF]|").Append(Pair).Append(')');
        return i;
    }

    // Reads one set member. Returns its code point, or -1 when it was a class (\d, \p{...}) appended to bmp directly.
    private static int ReadSetAtom(string pattern, ref int i, StringBuilder bmp, ref bool allAstral)
    {
        char c = pattern[i];
        if (c == '\\')
        {
            if (i + 1 >= pattern.Length)
            {
                throw new ArgumentException("the pattern ends with a lone backslash");
            }

            char next = pattern[i + 1];
            switch (next)
            {
                case 'd': bmp.Append(Digits); i += 2; return -1;
                case 'w': bmp.Append(Words); i += 2; return -1;
                case 's': bmp.Append(Spaces); i += 2; return -1;
                case 'D': bmp.Append(NotDigits); allAstral = true; i += 2; return -1;
                case 'W': bmp.Append(NotWords); allAstral = true; i += 2; return -1;
                case 'S': bmp.Append(NotSpaces); allAstral = true; i += 2; return -1;
                case 'p':
                case 'P':
                    i = PropertyEscape(pattern, i, out string property);
                    bmp.Append(property);
                    allAstral |= next == 'P';
                    return -1;
                case 'b': i += 2; return '\b';
                case '0' when i + 2 >= pattern.Length || !char.IsAsciiDigit(pattern[i + 2]): i += 2; return 0;
                case 't': i += 2; return '\t';
                case 'n': i += 2; return '\n';
                case 'v': i += 2; return '\v';
                case 'f': i += 2; return '\f';
                case 'r': i += 2; return '\r';
                case 'c' when i + 2 < pattern.Length && char.IsAsciiLetter(pattern[i + 2]):
                    int control = pattern[i + 2] % 32;
                    i += 3;
                    return control;
                case 'x' when i + 3 < pattern.Length && IsHex(pattern.AsSpan(i + 2, 2)):
                    int hex = int.Parse(pattern.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    i += 4;
                    return hex;
                case 'u':
                    int after = CodePointEscape(pattern, i, out int codePoint);
                    if (after >= 0)
                    {
                        i = after;
                        return codePoint;
                    }

                    i += 2;
                    return 'u';
                default:
                    i += 2;
                    return next;
            }
        }

        if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
        {
            int codePoint = char.ConvertToUtf32(c, pattern[i + 1]);
            i += 2;
            return codePoint;
        }

        i++;
        return c;
    }

    private static void AddCodePoint(StringBuilder bmp, List<(int First, int Last)> astral, int first, int last)
    {
        if (first <= 0xFFFF)
        {
            int bmpLast = Math.Min(last, 0xFFFF);
            bmp.Append(Escape((char)first));
            if (bmpLast > first)
            {
                bmp.Append('-').Append(Escape((char)bmpLast));
            }
        }

        if (last > 0xFFFF)
        {
            astral.Add((Math.Max(first, 0x10000), last));
        }
    }

    // Code point ranges above U+FFFF as UTF-16 alternatives: a high surrogate (or range of them) and a low-surrogate range.
    private static void AddAstralBranches(List<(int First, int Last)> ranges, List<string> branches)
    {
        foreach ((int first, int last) in ranges)
        {
            int lo = first;
            while (lo <= last)
            {
                int high = 0xD800 + ((lo - 0x10000) >> 10);
                int blockEnd = 0x10000 + (((high - 0xD800) + 1) << 10) - 1;
                int hi = Math.Min(last, blockEnd);
                int lowFirst = 0xDC00 + ((lo - 0x10000) & 0x3FF);
                int lowLast = 0xDC00 + ((hi - 0x10000) & 0x3FF);
                if (lowFirst == 0xDC00 && lowLast == 0xDFFF && hi < last)
                {
                    // Whole blocks: group consecutive high surrogates.
                    int lastHigh = 0xD800 + ((last - 0x10000) >> 10);
                    int fullEnd = ((last - 0x10000) & 0x3FF) == 0x3FF ? lastHigh : lastHigh - 1;
                    branches.Add("[" + Escape((char)high) + "-" + Escape((char)fullEnd) + @"][\uDC00-\uDFFF]");
                    lo = 0x10000 + ((fullEnd - 0xD800 + 1) << 10);
                    continue;
                }

                branches.Add(Escape((char)high) + "[" + Escape((char)lowFirst) + "-" + Escape((char)lowLast) + "]");
                lo = hi + 1;
            }
        }
    }

    private static void AppendAlternatives(StringBuilder result, List<string> branches)
    {
        if (branches.Count == 0)
        {
            result.Append("(?!)");
            return;
        }

        if (branches.Count == 1 && branches[0][0] == '[' && branches[0].EndsWith(']') && branches[0].IndexOf("][", StringComparison.Ordinal) < 0)
        {
            result.Append(branches[0]);
            return;
        }

        result.Append("(?:").AppendJoin('|', branches).Append(')');
    }

    private static void AppendCodePointSet(StringBuilder result, string units) =>
        result.Append("(?:[").Append(units).Append("]|").Append(Pair).Append(')');

    private static int PropertyEscape(string pattern, int i, out string property)
    {
        char kind = pattern[i + 1];
        int close = pattern.IndexOf('}', i);
        if (i + 2 >= pattern.Length || pattern[i + 2] != '{' || close < 0)
        {
            throw new ArgumentException("'\\" + kind + "' must be followed by a property name in braces");
        }

        string name = pattern[(i + 3)..close];
        int equals = name.IndexOf('=', StringComparison.Ordinal);
        if (equals >= 0 && name[..equals] is "gc" or "General_Category")
        {
            name = name[(equals + 1)..];
        }

        property = "\\" + kind + "{" + (Categories.TryGetValue(name, out string? shortName) ? shortName : name) + "}";
        return close + 1;
    }

    // \uXXXX, \u{X...} and a \uD8xx\uDCxx pair; returns the index after it, or -1 when it is not one.
    private static int CodePointEscape(string pattern, int i, out int codePoint)
    {
        codePoint = 0;
        if (i + 2 < pattern.Length && pattern[i + 2] == '{')
        {
            int close = pattern.IndexOf('}', i);
            if (close < 0 || close == i + 3 || !IsHex(pattern.AsSpan(i + 3, close - i - 3)) ||
                !int.TryParse(pattern.AsSpan(i + 3, close - i - 3), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out codePoint) ||
                codePoint > 0x10FFFF)
            {
                return -1;
            }

            return close + 1;
        }

        if (i + 6 > pattern.Length || !IsHex(pattern.AsSpan(i + 2, 4)))
        {
            return -1;
        }

        codePoint = int.Parse(pattern.AsSpan(i + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (char.IsHighSurrogate((char)codePoint) && i + 12 <= pattern.Length &&
            pattern[i + 6] == '\\' && pattern[i + 7] == 'u' && IsHex(pattern.AsSpan(i + 8, 4)))
        {
            int low = int.Parse(pattern.AsSpan(i + 8, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (char.IsLowSurrogate((char)low))
            {
                codePoint = char.ConvertToUtf32((char)codePoint, (char)low);
                return i + 12;
            }
        }

        return i + 6;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return text.Length > 0;
    }

    private static string Escape(char c) => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);

    private static string Ranges((char First, char Last)[] ranges)
    {
        StringBuilder builder = new();
        foreach ((char first, char last) in ranges)
        {
            builder.Append(Escape(first));
            if (last != first)
            {
                builder.Append('-').Append(Escape(last));
            }
        }

        return builder.ToString();
    }

    // The BMP outside the given sorted ranges, surrogates excluded (they are matched as pairs).
    private static (char First, char Last)[] Complement((char First, char Last)[] ranges)
    {
        List<(char First, char Last)> result = [];
        int next = 0;
        foreach ((char first, char last) in ranges)
        {
            if (first > next)
            {
                result.Add(((char)next, (char)(first - 1)));
            }

            next = last + 1;
        }

        if (next <= 0xFFFF)
        {
            result.Add(((char)next, '\uFFFF'));
        }

        List<(char First, char Last)> withoutSurrogates = [];
        foreach ((char first, char last) in result)
        {
            if (last < '\uD800' || first > '\uDFFF')
            {
                withoutSurrogates.Add((first, last));
                continue;
            }

            if (first < '\uD800')
            {
                withoutSurrogates.Add((first, '\uD7FF'));
            }

            if (last > '\uDFFF')
            {
                withoutSurrogates.Add(('\uE000', last));
            }
        }

        return [.. withoutSurrogates];
    }
}
