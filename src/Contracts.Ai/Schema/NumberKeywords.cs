using System;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>A JSON number read once: exact as a decimal where it fits, else as a double.</summary>
internal readonly struct JsonNumber
{
    private JsonNumber(bool hasDecimal, decimal exact, double approximate)
    {
        HasDecimal = hasDecimal;
        Decimal = exact;
        Double = approximate;
    }

    public bool HasDecimal { get; }

    public decimal Decimal { get; }

    public double Double { get; }

    public static JsonNumber Read(JsonElement number) =>
        JsonValues.TryGetExactDecimal(number, out decimal exact)
            ? new JsonNumber(true, exact, (double)exact)
            : new JsonNumber(false, 0m, JsonValues.ToDouble(number));

    public int CompareTo(in JsonNumber other) =>
        HasDecimal && other.HasDecimal ? Decimal.CompareTo(other.Decimal) : Double.CompareTo(other.Double);
}

/// <summary>
/// <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>, <c>exclusiveMaximum</c> and <c>multipleOf</c> of
/// one schema, so the instance number is read once.
/// </summary>
internal sealed class NumberKeyword(NumberLimit[] limits) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        JsonNumber value = JsonNumber.Read(instance);
        bool valid = true;
        for (int i = 0; i < limits.Length; i++)
        {
            NumberLimit limit = limits[i];
            if (!limit.IsSatisfiedBy(value))
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

/// <summary>One numeric limit keyword with its schema value.</summary>
internal sealed class NumberLimit
{
    private readonly JsonNumber _bound;
    private readonly int _kind;

    private NumberLimit(string keyword, JsonElement bound, int kind, string expectation)
    {
        Keyword = keyword;
        _bound = JsonNumber.Read(bound);
        _kind = kind;
        Expectation = expectation;
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

    public bool IsSatisfiedBy(in JsonNumber value) => _kind switch
    {
        0 => value.CompareTo(_bound) >= 0,
        1 => value.CompareTo(_bound) > 0,
        2 => value.CompareTo(_bound) <= 0,
        3 => value.CompareTo(_bound) < 0,
        _ => IsMultiple(value),
    };

    private bool IsMultiple(in JsonNumber value)
    {
        if (value.HasDecimal && _bound.HasDecimal)
        {
            try
            {
                return value.Decimal % _bound.Decimal == 0m;
            }
            catch (OverflowException)
            {
                // Fall through to double arithmetic.
            }
        }

        double quotient = value.Double / _bound.Double;
        return double.IsFinite(quotient) && Math.Floor(quotient) == quotient;
    }
}
