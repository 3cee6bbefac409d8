using System;
using System.Numerics;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>, <c>exclusiveMaximum</c> and <c>multipleOf</c> of
/// one schema, evaluated exactly on the instance number's text.
/// </summary>
internal sealed class NumberKeyword(NumberLimit[] limits) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        // Integers that fit a long (almost every count, id and amount in cents) never reach the exact path.
        bool isSmall = instance.TryGetInt64(out long small);
        ExactNumber value = isSmall ? default : ExactNumber.Of(instance);
        bool valid = true;
        for (int i = 0; i < limits.Length; i++)
        {
            NumberLimit limit = limits[i];
            if (!(isSmall ? limit.IsSatisfiedBy(small) : limit.IsSatisfiedBy(value)))
            {
                if (!state.Collecting)
                {
                    return false;
                }

                valid = false;
                state.AddError(limit.Keyword, limit.Expectation);
            }
        }

        return valid;
    }
}

/// <summary>One numeric limit keyword with its schema value, kept as text so comparisons are exact.</summary>
internal sealed class NumberLimit
{
    private readonly byte[] _bound;
    private readonly bool _boundIsSmall;
    private readonly long _smallBound;
    private readonly int _kind;
    private readonly Divisor? _divisor;

    private NumberLimit(string keyword, JsonElement bound, int kind, string expectation)
    {
        Keyword = keyword;
        _bound = System.Text.Encoding.UTF8.GetBytes(bound.GetRawText());
        _boundIsSmall = bound.TryGetInt64(out _smallBound);
        _kind = kind;
        Expectation = expectation;
        if (kind == 4)
        {
            _divisor = new Divisor(ExactNumber.Parse(_bound));
        }
    }

    public string Keyword { get; }

    /// <summary>Gets the error message: what was expected (the schema's value, never the document's).</summary>
    public string Expectation { get; }

    public static NumberLimit Create(string keyword, JsonElement value)
    {
        string text = SchemaMessages.Shorten(value.GetRawText());
        return keyword switch
        {
            "minimum" => new NumberLimit(keyword, value, 0, "expected a number at least " + text),
            "exclusiveMinimum" => new NumberLimit(keyword, value, 1, "expected a number greater than " + text),
            "maximum" => new NumberLimit(keyword, value, 2, "expected a number at most " + text),
            "exclusiveMaximum" => new NumberLimit(keyword, value, 3, "expected a number less than " + text),
            _ => new NumberLimit(keyword, value, 4, "expected a multiple of " + text),
        };
    }

    public bool IsSatisfiedBy(long value)
    {
        if (_kind == 4)
        {
            return _divisor!.Divides(value);
        }

        if (_boundIsSmall)
        {
            return Satisfies(value.CompareTo(_smallBound));
        }

        Span<byte> text = stackalloc byte[20];
        _ = value.TryFormat(text, out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        return IsSatisfiedBy(ExactNumber.Parse(text[..written]));
    }

    public bool IsSatisfiedBy(in ExactNumber value) =>
        _kind == 4 ? _divisor!.Divides(value) : Satisfies(ExactNumber.Compare(value, ExactNumber.Parse(_bound)));

    private bool Satisfies(int comparison) => _kind switch
    {
        0 => comparison >= 0,
        1 => comparison > 0,
        2 => comparison <= 0,
        _ => comparison < 0,
    };
}

/// <summary>
/// A <c>multipleOf</c> value <c>m x 10^e</c> (integer <c>m</c> without trailing zeros). A number <c>v x 10^f</c>
/// is a multiple when <c>v x 10^(f-e)</c> is divisible by <c>m</c>: never when <c>f &lt; e</c> (then <c>v</c>, which
/// has no trailing zero, would need a factor 10), otherwise when <c>(v mod m) x (10^(f-e) mod m)</c> is. The
/// power is taken modulo <c>m</c>, so <c>1e309</c> or <c>1e400000000</c> cost a few multiplications.
/// </summary>
internal sealed class Divisor
{
    private static readonly ulong[] PowersOfTen = CreatePowersOfTen();

    private readonly bool _isSmall;
    private readonly ulong _small;
    private readonly BigInteger _big;
    private readonly long _exponent;

    public Divisor(in ExactNumber value)
    {
        _exponent = value.Exponent;
        _isSmall = value.TryGetMantissa(out _small);
        if (!_isSmall)
        {
            _big = BigInteger.Zero;
            for (int i = 0; i < value.DigitCount; i++)
            {
                _big = (_big * 10) + value.Digit(i);
            }
        }
    }

    public bool Divides(long value)
    {
        if (value == 0)
        {
            return true;
        }

        if (_isSmall && _exponent <= 0)
        {
            // value x 10^-e is an integer, so it is divisible by m or not: no normalising needed.
            ulong remainder = (value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value) % _small;
            return remainder == 0 || (ulong)((UInt128)remainder * PowerOfTenModulo(-_exponent, _small) % _small) == 0;
        }

        Span<byte> text = stackalloc byte[20];
        _ = value.TryFormat(text, out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        return Divides(ExactNumber.Parse(text[..written]));
    }

    public bool Divides(in ExactNumber value)
    {
        if (value.Sign == 0)
        {
            return true;
        }

        long shift = value.Exponent - _exponent;
        if (shift < 0)
        {
            return false;
        }

        if (_isSmall)
        {
            if (_small == 1)
            {
                return true;
            }

            ulong remainder = Remainder(value, _small);
            return remainder == 0 || (ulong)((UInt128)remainder * PowerOfTenModulo(shift, _small) % _small) == 0;
        }

        BigInteger big = BigInteger.Zero;
        for (int i = 0; i < value.DigitCount; i++)
        {
            big = (big * 10) + value.Digit(i);
            if (big >= _big)
            {
                big %= _big;
            }
        }

        return big.IsZero || (big * BigInteger.ModPow(10, shift, _big) % _big).IsZero;
    }

    private static ulong Remainder(in ExactNumber value, ulong modulus)
    {
        if (value.TryGetMantissa(out ulong mantissa))
        {
            return mantissa % modulus;
        }

        // Long mantissas: fold 18 digits at a time.
        UInt128 remainder = 0;
        int i = 0;
        while (i < value.DigitCount)
        {
            int take = Math.Min(18, value.DigitCount - i);
            ulong chunk = 0;
            for (int j = 0; j < take; j++)
            {
                chunk = (chunk * 10) + (ulong)value.Digit(i + j);
            }

            remainder = ((remainder * PowersOfTen[take]) + chunk) % modulus;
            i += take;
        }

        return (ulong)remainder;
    }

    private static ulong PowerOfTenModulo(long exponent, ulong modulus)
    {
        if (exponent < PowersOfTen.Length)
        {
            return PowersOfTen[exponent] % modulus;
        }

        UInt128 result = 1;
        UInt128 factor = 10 % modulus;
        while (exponent > 0)
        {
            if ((exponent & 1) != 0)
            {
                result = result * factor % modulus;
            }

            factor = factor * factor % modulus;
            exponent >>= 1;
        }

        return (ulong)result;
    }

    private static ulong[] CreatePowersOfTen()
    {
        ulong[] powers = new ulong[20];
        powers[0] = 1;
        for (int i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }
}
