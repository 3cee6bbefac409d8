using System;
using System.Text;
using System.Text.Json;
#if NET9_0_OR_GREATER
using System.Runtime.InteropServices;
#endif

namespace Contracts.Ai;

/// <summary>
/// A JSON number read exactly from its text: a sign, the significant digits as written and a decimal
/// exponent, so <c>0.99999999999999999999999999999</c>, <c>1e-400</c> and <c>1e400000000</c> keep their value.
/// Nothing is rounded and nothing is allocated: the digits stay in the document's text, and magnitudes
/// are compared by their exponents before any digit is looked at.
/// </summary>
/// <remarks>
/// The value is <c>0.d1d2...dn x 10^Magnitude</c> with <c>d1</c> and <c>dn</c> non-zero. Exponents are clamped to
/// +/-10^15, far beyond any number a model or tool can mean (a JSON text with such exponents needs no more
/// than a few bytes, and the clamp keeps every sum of exponents inside a <see cref="long"/>).
/// </remarks>
internal readonly ref struct ExactNumber
{
    internal const long ExponentLimit = 1_000_000_000_000_000;

    private readonly ReadOnlySpan<byte> _integer;
    private readonly ReadOnlySpan<byte> _fraction;
    private readonly int _first;

    private ExactNumber(ReadOnlySpan<byte> integer, ReadOnlySpan<byte> fraction, int first, int digitCount, long magnitude, int sign)
    {
        _integer = integer;
        _fraction = fraction;
        _first = first;
        DigitCount = digitCount;
        Magnitude = magnitude;
        Sign = sign;
    }

    /// <summary>Gets -1, 0 or 1 (negative zero is zero).</summary>
    public int Sign { get; }

    /// <summary>Gets how many significant digits the number has (0 for zero).</summary>
    public int DigitCount { get; }

    /// <summary>Gets the exponent of the value written as <c>0.d1d2...dn x 10^Magnitude</c>.</summary>
    public long Magnitude { get; }

    /// <summary>Gets the exponent of the value written as <c>d1d2...dn x 10^Exponent</c> (an integer mantissa without trailing zeros).</summary>
    public long Exponent => Magnitude - DigitCount;

    /// <summary>Gets a value indicating whether the number is an integer (JSON Schema: a zero fractional part).</summary>
    public bool IsInteger => Sign == 0 || Exponent >= 0;

    /// <summary>Reads a number element's text. On .NET 9 and later this reads the document's own bytes.</summary>
    public static ExactNumber Of(JsonElement number)
    {
#if NET9_0_OR_GREATER
        return Parse(JsonMarshal.GetRawUtf8Value(number));
#else
        return Parse(Encoding.ASCII.GetBytes(number.GetRawText()));
#endif
    }

    /// <summary>Parses a number in JSON grammar (<c>-? int frac? exp?</c>), which the caller guarantees.</summary>
    public static ExactNumber Parse(ReadOnlySpan<byte> text)
    {
        int i = 0;
        bool negative = text[0] == (byte)'-';
        if (negative)
        {
            i++;
        }

        int start = i;
        while (i < text.Length && char.IsAsciiDigit((char)text[i]))
        {
            i++;
        }

        ReadOnlySpan<byte> integer = text[start..i];
        ReadOnlySpan<byte> fraction = default;
        if (i < text.Length && text[i] == (byte)'.')
        {
            start = ++i;
            while (i < text.Length && char.IsAsciiDigit((char)text[i]))
            {
                i++;
            }

            fraction = text[start..i];
        }

        long exponent = 0;
        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            bool negativeExponent = text[i] == (byte)'-';
            if (text[i] is (byte)'-' or (byte)'+')
            {
                i++;
            }

            for (; i < text.Length; i++)
            {
                if (exponent < ExponentLimit)
                {
                    exponent = (exponent * 10) + (text[i] - (byte)'0');
                }
            }

            exponent = Math.Min(exponent, ExponentLimit);
            if (negativeExponent)
            {
                exponent = -exponent;
            }
        }

        int first = integer.IndexOfAnyExcept((byte)'0');
        if (first < 0)
        {
            int inFraction = fraction.IndexOfAnyExcept((byte)'0');
            if (inFraction < 0)
            {
                return new ExactNumber(integer, fraction, 0, 0, 0, 0);
            }

            first = integer.Length + inFraction;
        }

        int lastInFraction = fraction.LastIndexOfAnyExcept((byte)'0');
        int end = lastInFraction >= 0 ? integer.Length + lastInFraction + 1 : integer.LastIndexOfAnyExcept((byte)'0') + 1;
        return new ExactNumber(integer, fraction, first, end - first, integer.Length - first + exponent, negative ? -1 : 1);
    }

    /// <summary>Compares two numbers by value.</summary>
    public static int Compare(in ExactNumber left, in ExactNumber right)
    {
        if (left.Sign != right.Sign)
        {
            return left.Sign < right.Sign ? -1 : 1;
        }

        if (left.Sign == 0)
        {
            return 0;
        }

        int magnitude = CompareMagnitudes(left, right);
        return left.Sign > 0 ? magnitude : -magnitude;
    }

    /// <summary>Gets the <paramref name="index"/>-th significant digit (0 to 9).</summary>
    public int Digit(int index)
    {
        int k = _first + index;
        return (k < _integer.Length ? _integer[k] : _fraction[k - _integer.Length]) - '0';
    }

    /// <summary>Gets the significant digits as an integer when there are at most 19 of them.</summary>
    public bool TryGetMantissa(out ulong mantissa)
    {
        mantissa = 0;
        if (DigitCount > 19)
        {
            return false;
        }

        for (int i = 0; i < DigitCount; i++)
        {
            mantissa = (mantissa * 10) + (ulong)Digit(i);
        }

        return true;
    }

    private static int CompareMagnitudes(in ExactNumber left, in ExactNumber right)
    {
        if (left.Magnitude != right.Magnitude)
        {
            return left.Magnitude < right.Magnitude ? -1 : 1;
        }

        int common = Math.Min(left.DigitCount, right.DigitCount);
        for (int i = 0; i < common; i++)
        {
            int difference = left.Digit(i) - right.Digit(i);
            if (difference != 0)
            {
                return difference < 0 ? -1 : 1;
            }
        }

        return left.DigitCount.CompareTo(right.DigitCount);
    }
}
