using System;
using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
#if NET9_0_OR_GREATER
using System.Runtime.InteropServices;
#endif

namespace Contracts.Ai;

/// <summary>JSON value helpers for validation: JSON equality, numeric comparison and string access without allocating.</summary>
internal static class JsonValues
{
    private const int StackCharLimit = 256;

    /// <summary>JSON equality: numbers by value (1 == 1.0), objects regardless of member order.</summary>
    public static bool DeepEquals(JsonElement left, JsonElement right)
    {
        JsonValueKind kind = left.ValueKind;
        if (kind != right.ValueKind)
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.Number:
                return CompareNumbers(left, right) == 0;
            case JsonValueKind.String:
                return StringEquals(left, right);
            case JsonValueKind.Array:
                int length = left.GetArrayLength();
                if (length != right.GetArrayLength())
                {
                    return false;
                }

                for (int i = 0; i < length; i++)
                {
                    if (!DeepEquals(left[i], right[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Object:
                int count = 0;
                foreach (JsonProperty property in left.EnumerateObject())
                {
                    count++;
                    if (!right.TryGetProperty(property.Name, out JsonElement other) || !DeepEquals(property.Value, other))
                    {
                        return false;
                    }
                }

                return count == CountProperties(right);
            default:
                return true;
        }
    }

    public static int CountProperties(JsonElement element)
    {
#if NET9_0_OR_GREATER
        return element.GetPropertyCount();
#else
        int count = 0;
        foreach (JsonProperty unused in element.EnumerateObject())
        {
            count++;
        }

        return count;
#endif
    }

    /// <summary>Compares two JSON numbers by value, exactly where both fit a decimal.</summary>
    public static int CompareNumbers(JsonElement left, JsonElement right)
    {
        if (TryGetExactDecimal(left, out decimal l) && TryGetExactDecimal(right, out decimal r))
        {
            return l.CompareTo(r);
        }

        return ToDouble(left).CompareTo(ToDouble(right));
    }

    /// <summary>The number as a decimal, unless it does not fit (decimal parsing turns 1e-50 into 0).</summary>
    public static bool TryGetExactDecimal(JsonElement number, out decimal value) =>
        number.TryGetDecimal(out value) && (value != 0m || !HasNonZeroDigit(number));

    /// <summary>The number as a double; values beyond the double range become infinities.</summary>
    public static double ToDouble(JsonElement number)
    {
        if (number.TryGetDouble(out double value))
        {
            return value;
        }

        return IsNegative(number) ? double.NegativeInfinity : double.PositiveInfinity;
    }

    public static bool IsInteger(JsonElement number)
    {
        if (number.TryGetDecimal(out decimal d) && d != 0m)
        {
            return decimal.Truncate(d) == d;
        }

        // Zero, very small or very large magnitudes: decide from the text, which is exact.
        return IsIntegerText(number);
    }

    public static bool StringEquals(JsonElement left, JsonElement right)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(right);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return left.ValueEquals(raw[1..^1]);
        }
#endif
        return left.ValueEquals(right.GetString());
    }

    /// <summary>Counts Unicode code points (not UTF-16 units) in a JSON string.</summary>
    public static int CountCodePoints(JsonElement text)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(text);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            raw = raw[1..^1];
            int count = 0;
            foreach (byte b in raw)
            {
                if ((b & 0xC0) != 0x80)
                {
                    count++;
                }
            }

            return count;
        }
#endif
        return CountCodePoints(text.GetString().AsSpan());
    }

    public static int CountCodePoints(ReadOnlySpan<char> text)
    {
        int count = text.Length;
        foreach (char c in text)
        {
            if (char.IsLowSurrogate(c))
            {
                count--;
            }
        }

        return count;
    }

    /// <summary>Matches a JSON string value against a pattern.</summary>
    public static bool IsMatch(Regex regex, JsonElement text)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(text);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return IsMatchUtf8(regex, raw[1..^1]);
        }
#endif
        return regex.IsMatch(text.GetString()!);
    }

    /// <summary>Matches a property name against a pattern.</summary>
    public static bool IsMatch(Regex regex, JsonProperty property)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return IsMatchUtf8(regex, raw);
        }
#endif
        return regex.IsMatch(property.Name);
    }

    private static bool IsMatchUtf8(Regex regex, ReadOnlySpan<byte> utf8)
    {
        int maxChars = utf8.Length;
        if (maxChars <= StackCharLimit)
        {
            Span<char> buffer = stackalloc char[StackCharLimit];
            int written = Encoding.UTF8.GetChars(utf8, buffer);
            return regex.IsMatch(buffer[..written]);
        }

        char[] rented = ArrayPool<char>.Shared.Rent(maxChars);
        try
        {
            int written = Encoding.UTF8.GetChars(utf8, rented);
            return regex.IsMatch(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static bool HasNonZeroDigit(JsonElement number)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> text = JsonMarshal.GetRawUtf8Value(number);
#else
        ReadOnlySpan<byte> text = Encoding.ASCII.GetBytes(number.GetRawText());
#endif
        foreach (byte b in text)
        {
            if (b is (byte)'e' or (byte)'E')
            {
                break;
            }

            if (b is >= (byte)'1' and <= (byte)'9')
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNegative(JsonElement number)
    {
#if NET9_0_OR_GREATER
        return JsonMarshal.GetRawUtf8Value(number)[0] == (byte)'-';
#else
        return number.GetRawText()[0] == '-';
#endif
    }

    private static bool IsIntegerText(JsonElement number)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> text = JsonMarshal.GetRawUtf8Value(number);
#else
        ReadOnlySpan<byte> text = Encoding.ASCII.GetBytes(number.GetRawText());
#endif
        // JSON grammar: -? int frac? exp?  Integer when every non-zero fraction digit is shifted left of the point.
        int i = 0;
        if (text[i] == (byte)'-')
        {
            i++;
        }

        bool nonZeroMantissa = false;
        while (i < text.Length && text[i] >= (byte)'0' && text[i] <= (byte)'9')
        {
            nonZeroMantissa |= text[i] != (byte)'0';
            i++;
        }

        int lastNonZeroFraction = 0;
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            int position = 0;
            while (i < text.Length && text[i] >= (byte)'0' && text[i] <= (byte)'9')
            {
                position++;
                if (text[i] != (byte)'0')
                {
                    lastNonZeroFraction = position;
                    nonZeroMantissa = true;
                }

                i++;
            }
        }

        if (!nonZeroMantissa)
        {
            return true;
        }

        long exponent = 0;
        if (i < text.Length && (text[i] == (byte)'e' || text[i] == (byte)'E'))
        {
            i++;
            bool negative = false;
            if (text[i] == (byte)'+' || text[i] == (byte)'-')
            {
                negative = text[i] == (byte)'-';
                i++;
            }

            while (i < text.Length && exponent < 1_000_000_000)
            {
                exponent = (exponent * 10) + (text[i] - (byte)'0');
                i++;
            }

            if (negative)
            {
                exponent = -exponent;
            }
        }

        if (exponent < 0)
        {
            // Negative exponents only yield an integer if trailing integer digits absorb them; be exact.
            return IsIntegerWithNegativeExponent(text, exponent, lastNonZeroFraction);
        }

        return lastNonZeroFraction <= exponent;
    }

    private static bool IsIntegerWithNegativeExponent(ReadOnlySpan<byte> text, long exponent, int lastNonZeroFraction)
    {
        if (lastNonZeroFraction > 0)
        {
            return false;
        }

        // Count trailing zeros of the integer part: they can absorb a negative exponent.
        int start = text[0] == (byte)'-' ? 1 : 0;
        int end = start;
        while (end < text.Length && text[end] >= (byte)'0' && text[end] <= (byte)'9')
        {
            end++;
        }

        int trailingZeros = 0;
        for (int j = end - 1; j >= start && text[j] == (byte)'0'; j--)
        {
            trailingZeros++;
        }

        return trailingZeros >= -exponent;
    }
}
