using System;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary><c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>, <c>exclusiveMaximum</c>.</summary>
internal sealed class BoundKeyword(string keyword, JsonElement bound, bool isMinimum, bool exclusive) : KeywordValidator
{
    private readonly bool _hasDecimal = JsonValues.TryGetExactDecimal(bound, out decimal _);
    private readonly decimal _decimal = JsonValues.TryGetExactDecimal(bound, out decimal d) ? d : 0m;
    private readonly double _double = JsonValues.ToDouble(bound);

    public override bool Validate(JsonElement instance, ValidationState state)
    {
        int comparison = _hasDecimal && JsonValues.TryGetExactDecimal(instance, out decimal value)
            ? value.CompareTo(_decimal)
            : JsonValues.ToDouble(instance).CompareTo(_double);

        bool ok = isMinimum
            ? (exclusive ? comparison > 0 : comparison >= 0)
            : (exclusive ? comparison < 0 : comparison <= 0);
        if (ok)
        {
            return true;
        }

        if (state.Collecting)
        {
            string relation = isMinimum ? (exclusive ? "greater than " : "at least ") : (exclusive ? "less than " : "at most ");
            state.AddError(keyword, "expected a number " + relation + bound.GetRawText());
        }

        return false;
    }
}

/// <summary><c>multipleOf</c>: exact in decimal where both fit, else in double.</summary>
internal sealed class MultipleOfKeyword(JsonElement divisor) : KeywordValidator
{
    private readonly bool _hasDecimal = JsonValues.TryGetExactDecimal(divisor, out decimal _);
    private readonly decimal _decimal = JsonValues.TryGetExactDecimal(divisor, out decimal d) ? d : 0m;
    private readonly double _double = JsonValues.ToDouble(divisor);

    public override bool Validate(JsonElement instance, ValidationState state)
    {
        if (IsMultiple(instance))
        {
            return true;
        }

        if (state.Collecting)
        {
            state.AddError("multipleOf", "expected a multiple of " + divisor.GetRawText());
        }

        return false;
    }

    private bool IsMultiple(JsonElement instance)
    {
        if (_hasDecimal && JsonValues.TryGetExactDecimal(instance, out decimal value))
        {
            try
            {
                return value % _decimal == 0m;
            }
            catch (OverflowException)
            {
                // Fall through to double arithmetic.
            }
        }

        double quotient = JsonValues.ToDouble(instance) / _double;
        return double.IsFinite(quotient) && Math.Floor(quotient) == quotient;
    }
}
