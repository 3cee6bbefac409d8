using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;

namespace Contracts.Ai;

/// <summary>Checks that a candidate found by <see cref="PiiPatterns"/> is real: checksums, number ranges, shapes.</summary>
internal static class PiiValidators
{
    private static readonly FrozenDictionary<string, int> IbanLengths = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22,
        ["BH"] = 22, ["BI"] = 27, ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22, ["CY"] = 28, ["CZ"] = 24,
        ["DE"] = 22, ["DJ"] = 27, ["DK"] = 18, ["DO"] = 28, ["EE"] = 20, ["EG"] = 29, ["ES"] = 24, ["FI"] = 18,
        ["FK"] = 18, ["FO"] = 18, ["FR"] = 27, ["GB"] = 22, ["GE"] = 22, ["GI"] = 23, ["GL"] = 18, ["GR"] = 27,
        ["GT"] = 28, ["HR"] = 21, ["HU"] = 28, ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26, ["IT"] = 27,
        ["JO"] = 30, ["KW"] = 30, ["KZ"] = 20, ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20,
        ["LV"] = 21, ["LY"] = 25, ["MC"] = 27, ["MD"] = 24, ["ME"] = 22, ["MK"] = 19, ["MN"] = 20, ["MR"] = 27,
        ["MT"] = 31, ["MU"] = 30, ["NI"] = 28, ["NL"] = 18, ["NO"] = 15, ["OM"] = 23, ["PK"] = 24, ["PL"] = 28,
        ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RO"] = 24, ["RS"] = 22, ["RU"] = 33, ["SA"] = 24, ["SC"] = 31,
        ["SD"] = 18, ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["SO"] = 23, ["ST"] = 25, ["SV"] = 28,
        ["TL"] = 23, ["TN"] = 24, ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["XK"] = 20, ["YE"] = 30,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Email: a local part of 1-64 characters without leading, trailing or doubled dots; <paramref name="trimStart"/> skips leading punctuation the pattern took in.</summary>
    public static bool IsEmail(ReadOnlySpan<char> candidate, out int trimStart)
    {
        trimStart = 0;
        while (trimStart < candidate.Length && candidate[trimStart] is '.' or '-' or '+' or '%' or '_')
        {
            trimStart++;
        }

        int at = candidate.IndexOf('@');
        ReadOnlySpan<char> local = candidate[trimStart..at];
        return local.Length is > 0 and <= 64 && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal) && candidate.Length - trimStart <= 254;
    }

    /// <summary>Luhn checksum over the digits of <paramref name="candidate"/>, with a known issuer prefix and consistent grouping.</summary>
    public static bool IsCreditCard(ReadOnlySpan<char> candidate)
    {
        Span<byte> digits = stackalloc byte[19];
        int count = 0;
        char separator = '\0';
        foreach (char c in candidate)
        {
            if (c is >= '0' and <= '9')
            {
                if (count == digits.Length)
                {
                    return false;
                }

                digits[count++] = (byte)(c - '0');
            }
            else if (separator == '\0')
            {
                separator = c;
            }
            else if (c != separator)
            {
                return false;
            }
        }

        if (count is < 12 or > 19 || !HasCardPrefix(digits[..count]))
        {
            return false;
        }

        int sum = 0;
        for (int i = count - 1, position = 0; i >= 0; i--, position++)
        {
            int d = digits[i];
            if ((position & 1) == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    private static bool HasCardPrefix(ReadOnlySpan<byte> d)
    {
        int two = (d[0] * 10) + d[1];
        int three = (two * 10) + d[2];
        int four = (three * 10) + d[3];
        int length = d.Length;
        bool maestroLength = length is >= 12 and <= 19;
        return d[0] switch
        {
            0 => four == 604 && maestroLength,                                                    // Maestro (0604)
            1 => four == 1800 && length == 15,                                                    // JCB 15
            2 => (four is >= 2221 and <= 2720 && length == 16) || (four == 2131 && length == 15), // Mastercard 2-series, JCB 15
            3 => (two is 34 or 37 && length == 15)                                                // Amex
                || (four is >= 3528 and <= 3589 && length >= 16)                                  // JCB
                || ((three is >= 300 and <= 305 or 309 || two is 36 or 38 or 39) && length >= 14), // Diners
            4 => length is 13 or 16 or 19,                                                        // Visa
            5 => (two is >= 51 and <= 55 && length == 16)                                         // Mastercard
                || ((two is 50 or (>= 56 and <= 58) || four == 5893) && maestroLength),           // Maestro
            6 => (four is 6304 or 6759 or 6761 or 6762 or 6763 or 6390 && maestroLength)         // Maestro
                || length >= 16,                                                                  // Discover, UnionPay, RuPay, Troy
            _ => false,
        };
    }

    /// <summary>US SSN: area not 000, 666 or 900-999; group not 00; serial not 0000.</summary>
    public static bool IsUsSsn(ReadOnlySpan<char> candidate)
    {
        int area = ((candidate[0] - '0') * 100) + ((candidate[1] - '0') * 10) + (candidate[2] - '0');
        int group = ((candidate[4] - '0') * 10) + (candidate[5] - '0');
        int serial = ((candidate[7] - '0') * 1000) + ((candidate[8] - '0') * 100) + ((candidate[9] - '0') * 10) + (candidate[10] - '0');
        return area is not (0 or 666 or >= 900) && group != 0 && serial != 0;
    }

    /// <summary>IPv4 with four octets of 0-255 and no leading zeros.</summary>
    public static bool IsIPv4(ReadOnlySpan<char> candidate)
    {
        int value = 0, digits = 0, octets = 0;
        for (int i = 0; i <= candidate.Length; i++)
        {
            if (i == candidate.Length || candidate[i] == '.')
            {
                if (digits == 0 || value > 255 || (digits > 1 && candidate[i - digits] == '0'))
                {
                    return false;
                }

                octets++;
                value = 0;
                digits = 0;
            }
            else
            {
                value = (value * 10) + (candidate[i] - '0');
                digits++;
            }
        }

        return octets == 4;
    }

    /// <summary>IPv6: parses as one, has a digit, and is written in full or with a single <c>::</c>.</summary>
    public static bool IsIPv6(ReadOnlySpan<char> candidate)
    {
        int colons = candidate.Count(':');
        int doubleColon = candidate.IndexOf("::", StringComparison.Ordinal);
        if (colons < 2 || candidate.IndexOfAnyInRange('0', '9') < 0)
        {
            return false;
        }

        if (doubleColon < 0 ? colons != 7 && !(colons == 6 && candidate.Contains('.')) : candidate[(doubleColon + 1)..].IndexOf("::", StringComparison.Ordinal) >= 0)
        {
            return false;
        }

        return IPAddress.TryParse(candidate, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    /// <summary>IBAN: returns the length of the valid IBAN at the start of <paramref name="candidate"/> (spaces included), or 0.</summary>
    public static int IbanLength(ReadOnlySpan<char> candidate)
    {
        if (!IbanLengths.TryGetValue(candidate[..2].ToString(), out int expected))
        {
            return 0;
        }

        Span<char> compact = stackalloc char[34];
        int count = 0, end = 0;
        for (int i = 0; i < candidate.Length && count < expected; i++)
        {
            if (candidate[i] != ' ')
            {
                compact[count++] = candidate[i];
                end = i + 1;
            }
        }

        if (count != expected || (end < candidate.Length && candidate[end] != ' '))
        {
            return 0;
        }

        // mod-97 over the rearranged number (country code and check digits moved to the end), letters as 10..35.
        int remainder = 0;
        for (int i = 0; i < count; i++)
        {
            char c = compact[(i + 4) % count];
            if (c is >= '0' and <= '9')
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else
            {
                remainder = ((remainder * 100) + (c - 'A' + 10)) % 97;
            }
        }

        return remainder == 1 ? end : 0;
    }

    /// <summary>JWT: the header decodes to a JSON object naming its algorithm or type.</summary>
    public static bool IsJwt(ReadOnlySpan<char> candidate)
    {
        ReadOnlySpan<char> header = candidate[..candidate.IndexOf('.')];
        if (header.Length > 1024 || header.Length % 4 == 1)
        {
            return false;
        }

        Span<char> padded = stackalloc char[(header.Length + 3) & ~3];
        for (int i = 0; i < padded.Length; i++)
        {
            padded[i] = i >= header.Length ? '=' : header[i] switch { '-' => '+', '_' => '/', char c => c };
        }

        Span<byte> bytes = stackalloc byte[padded.Length];
        if (!Convert.TryFromBase64Chars(padded, bytes, out int written))
        {
            return false;
        }

        ReadOnlySpan<byte> json = bytes[..written];
        return json.Length > 2 && json[0] == (byte)'{' && json[^1] == (byte)'}' && (json.IndexOf("\"alg\""u8) >= 0 || json.IndexOf("\"typ\""u8) >= 0);
    }

    /// <summary>Connection-string password: the key=value pair sits among other pairs separated by <c>;</c> or <c>&amp;</c>.</summary>
    public static bool IsInKeyValueList(string text, int keyStart, int valueEnd)
    {
        int from = Math.Max(0, keyStart - 256);
        ReadOnlySpan<char> before = text.AsSpan(from, keyStart - from);
        if (before.TrimEnd().EndsWith(";") || before.TrimEnd().EndsWith("&") || before.TrimEnd().EndsWith("?"))
        {
            return true;
        }

        return valueEnd < text.Length && text[valueEnd] is ';' or '&' or '"' or '\'';
    }

    /// <summary>Phone number: returns the valid length at the start of <paramref name="candidate"/>, or 0.</summary>
    /// <remarks>
    /// A prefix (<c>+cc</c>, <c>+cc (0)</c>, <c>+cc (area)</c> or <c>(area)</c>) then digit groups joined by one
    /// consistent separator, 7-15 digits, three groups or more without a prefix (two after a trunk 0), then an
    /// optional extension (<c>x123</c>, <c>ext. 123</c>, <c>#123</c>); dates, thousands and dotted quads are not phones.
    /// </remarks>
    public static int PhoneLength(ReadOnlySpan<char> candidate)
    {
        int i = 0, prefixDigits = 0;
        bool prefixed = false;
        if (candidate[0] == '+')
        {
            prefixed = true;
            i = 1;
            while (i < candidate.Length && char.IsAsciiDigit(candidate[i]))
            {
                i++;
            }

            prefixDigits = i - 1;
            if (i == candidate.Length)
            {
                return prefixDigits is >= 8 and <= 15 ? i : 0;
            }

            if (prefixDigits > 3)
            {
                return 0;
            }

            // A trunk or area code in parentheses after the country code: +44 (0)20 ..., +1 (415) ...
            int open = i < candidate.Length && candidate[i] is ' ' or '.' or '-' ? i + 1 : i;
            if (open < candidate.Length && candidate[open] == '(')
            {
                int close = candidate[open..].IndexOf(')');
                if (close is >= 2 and <= 5)
                {
                    prefixDigits += close - 1;
                    i = open + close + 1;
                }
            }
        }
        else if (candidate[0] == '(')
        {
            prefixed = true;
            i = candidate.IndexOf(')');
            prefixDigits = i - 1;
            i++;
        }

        if (prefixed && i < candidate.Length && candidate[i] is ' ' or '.' or '-')
        {
            i++;
        }

        Span<int> groups = stackalloc int[8];
        int groupCount = 0, digits = prefixDigits, end = i;
        char separator = '\0';
        while (i < candidate.Length && groupCount < groups.Length)
        {
            int start = i;
            while (i < candidate.Length && char.IsAsciiDigit(candidate[i]))
            {
                i++;
            }

            if (i == start)
            {
                break;
            }

            groups[groupCount++] = i - start;
            digits += i - start;
            end = i;
            if (i + 1 >= candidate.Length || candidate[i] is not (' ' or '.' or '-') || !char.IsAsciiDigit(candidate[i + 1]))
            {
                break;
            }

            if (separator == '\0')
            {
                separator = candidate[i];
            }
            else if (candidate[i] != separator)
            {
                break;
            }

            i++;
        }

        // Without a prefix, three groups or more; or two when a national trunk 0 starts ten or eleven digits (07700 900123).
        bool trunkPair = !prefixed && groupCount == 2 && candidate[0] == '0' && digits is 10 or 11 && separator is ' ' or '-';
        if (digits is < 7 or > 15 || (groupCount < (prefixed ? 2 : 3) && !trunkPair))
        {
            return 0;
        }

        if (!prefixed && (LooksLikeDate(candidate[..end], groups[..groupCount], separator) || LooksLikeThousands(groups[..groupCount], separator)))
        {
            return 0;
        }

        if (!prefixed && separator == '.' && groupCount == 4 && groups[0] <= 3 && groups[1] <= 3 && groups[2] <= 3 && groups[3] <= 3)
        {
            return 0;
        }

        // An extension follows only a phone that was not cut short.
        if (end < candidate.Length)
        {
            ReadOnlySpan<char> rest = candidate[end..];
            int k = 0;
            if (k < rest.Length && rest[k] == ' ')
            {
                k++;
            }

            if (k < rest.Length && rest[k] is 'x' or 'X' or '#' or 'e' or 'E')
            {
                k += rest[k] is 'e' or 'E' ? (rest[k..].StartsWith("ext.", StringComparison.OrdinalIgnoreCase) ? 4 : 3) : 1;
                if (k < rest.Length && rest[k] == ' ')
                {
                    k++;
                }

                int digitStart = k;
                while (k < rest.Length && char.IsAsciiDigit(rest[k]))
                {
                    k++;
                }

                if (k > digitStart)
                {
                    end += k;
                }
            }
        }

        return end;
    }

    private static bool LooksLikeDate(ReadOnlySpan<char> text, ReadOnlySpan<int> groups, char separator)
    {
        if (groups.Length != 3 || separator == ' ')
        {
            return false;
        }

        Span<int> values = stackalloc int[3];
        int g = 0;
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                values[g] = (values[g] * 10) + (c - '0');
            }
            else
            {
                g++;
            }
        }

        static bool IsYear(int value, int length) => length == 4 && value is >= 1800 and <= 2199;
        return (IsYear(values[0], groups[0]) && values[1] is >= 1 and <= 12 && values[2] is >= 1 and <= 31)
            || (IsYear(values[2], groups[2]) && values[0] is >= 1 and <= 31 && values[1] is >= 1 and <= 31);
    }

    private static bool LooksLikeThousands(ReadOnlySpan<int> groups, char separator)
    {
        if (separator is not (' ' or '.') || groups[0] > 3)
        {
            return false;
        }

        for (int i = 1; i < groups.Length; i++)
        {
            if (groups[i] != 3)
            {
                return false;
            }
        }

        return true;
    }
}
