using System;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
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

    /// <summary>Compares two JSON numbers by value, exactly, from their text.</summary>
    public static int CompareNumbers(JsonElement left, JsonElement right)
    {
        if (left.TryGetInt64(out long l) && right.TryGetInt64(out long r))
        {
            return l.CompareTo(r);
        }

        return ExactNumber.Compare(ExactNumber.Of(left), ExactNumber.Of(right));
    }

    /// <summary>The number as a double; values beyond the double range become infinities.</summary>
    public static double ToDouble(JsonElement number)
    {
        if (number.TryGetDouble(out double value))
        {
            return value;
        }

        return ExactNumber.Of(number).Sign < 0 ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>Whether the number has no fractional part, decided exactly from its text.</summary>
    public static bool IsInteger(JsonElement number) => number.TryGetInt64(out _) || ExactNumber.Of(number).IsInteger;

    public static bool StringEquals(JsonElement left, JsonElement right)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(right);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return left.ValueEquals(raw[1..^1]);
        }
#endif
        return TryGetString(right, out string? value) && TryEquals(left, value);
    }

    /// <summary>Compares a JSON string with UTF-8 text; a string holding a lone surrogate equals no text.</summary>
    public static bool TryEquals(JsonElement text, ReadOnlySpan<byte> utf8)
    {
        try
        {
            return text.ValueEquals(utf8);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Compares a JSON string with a text; a string holding a lone surrogate equals no text.</summary>
    public static bool TryEquals(JsonElement text, string value)
    {
        try
        {
            return text.ValueEquals(value);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The text of a JSON string, or false when it holds a lone surrogate escape (it is then not Unicode text).</summary>
    public static bool TryGetString(JsonElement text, [NotNullWhen(true)] out string? value)
    {
        try
        {
            value = text.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }

    /// <summary>The name of a property, or false when it holds a lone surrogate escape.</summary>
    public static bool TryGetName(JsonProperty property, [NotNullWhen(true)] out string? name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = null;
            return false;
        }
    }

    /// <summary>Counts Unicode code points (not UTF-16 units) in a JSON string; -1 when it holds a lone surrogate.</summary>
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
        return TryGetString(text, out string? value) ? CountCodePoints(value.AsSpan()) : -1;
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
}
