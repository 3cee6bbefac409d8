using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>
/// Reads a request's inputs (a dictionary, a <see cref="JsonElement"/>, or any object, anonymous ones
/// included, converted through JSON) into text values, and checks them against the contract's
/// declared inputs.
/// </summary>
internal static class ContractInputValues
{
    [Flags]
    private enum JsonKinds
    {
        None = 0,
        String = 1,
        Number = 2,
        Integer = 4,
        Boolean = 8,
        Object = 16,
        Array = 32,
    }

    // The values of the request being prepared on this thread: read, rendered and dropped in one synchronous step,
    // so one array per thread serves every request instead of one per request.
    [ThreadStatic]
    private static string?[]? t_values;

    /// <summary>
    /// Reads and checks the inputs; returns their text values by declared input (<see cref="InputRule.Index"/>; absent
    /// and null ones left <see langword="null"/>) and adds every violation found to <paramref name="violations"/>, created when the first is.
    /// </summary>
    /// <remarks>
    /// The array returned is valid until the next call on the same thread: read it (render the template) before
    /// anything else prepares a request, and keep no reference to it. It may be longer than the contract's inputs.
    /// </remarks>
    public static string?[] Read(ContractPlan plan, object? inputs, ref List<ContractViolation>? violations)
    {
        int declared = plan.InputList.Length;
        string?[] values = t_values is { } held && held.Length >= declared ? held : t_values = new string?[Math.Max(declared, 8)];
        for (int i = 0; i < declared; i++)
        {
            values[i] = null;
        }

        switch (inputs)
        {
            case null:
                break;
            case JsonElement element:
                ReadElement(plan, element, values, ref violations);
                break;
            case Dictionary<string, object?> dictionary:
                // The usual shape, enumerated without boxing its enumerator.
                foreach (KeyValuePair<string, object?> pair in dictionary)
                {
                    Add(plan, pair.Key, pair.Value, values, ref violations);
                }

                break;
            case IReadOnlyDictionary<string, object?> dictionary:
                foreach (KeyValuePair<string, object?> pair in dictionary)
                {
                    Add(plan, pair.Key, pair.Value, values, ref violations);
                }

                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (KeyValuePair<string, object?> pair in pairs)
                {
                    Add(plan, pair.Key, pair.Value, values, ref violations);
                }

                break;
            case IEnumerable<KeyValuePair<string, string?>> pairs:
                foreach (KeyValuePair<string, string?> pair in pairs)
                {
                    Add(plan, pair.Key, pair.Value, values, ref violations);
                }

                break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    Add(plan, Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty, entry.Value, values, ref violations);
                }

                break;
            default:
                // Anonymous and plain objects go through System.Text.Json, which needs no reflection
                // of ours; under Native AOT pass a dictionary or a JsonElement instead.
                JsonElement converted;
                try
                {
                    converted = JsonSerializer.SerializeToElement(inputs, ContractJson.InputOptions.GetTypeInfo(inputs.GetType()));
                }
                catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
                {
                    throw new ArgumentException(
                        $"The inputs of contract '{plan.Contract.Id}' (a {inputs.GetType().Name}) cannot be read: pass an IReadOnlyDictionary<string, object?>, a JsonElement, or an object System.Text.Json can serialise.",
                        nameof(inputs),
                        ex);
                }

                ReadElement(plan, converted, values, ref violations);
                break;
        }

        InputRule[] rules = plan.InputList;
        for (int i = 0; i < rules.Length; i++)
        {
            if (rules[i].Input.Required && values[i] is null)
            {
                (violations ??= new List<ContractViolation>()).Add(new(ContractViolationKinds.InputMissing, $"input '{rules[i].Input.Name}' is required but missing"));
            }
        }

        return values;
    }

    private static void ReadElement(ContractPlan plan, JsonElement element, string?[] values, ref List<ContractViolation>? violations)
    {
        if (element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException(
                $"The inputs of contract '{plan.Contract.Id}' must be a JSON object of named values, was a JSON {element.ValueKind}.");
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            Add(plan, property.Name, property.Value, values, ref violations);
        }
    }

    private static void Add(ContractPlan plan, string name, object? value, string?[] values, ref List<ContractViolation>? violations)
    {
        if (FindRule(plan, name) is not { } rule)
        {
            (violations ??= new List<ContractViolation>()).Add(new(ContractViolationKinds.InputUnknown, $"input '{name}' is not declared by the contract"));
            return;
        }

        JsonKinds kinds;
        string? text;
        try
        {
            (kinds, text) = Describe(value);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            throw new ArgumentException(
                $"Input '{name}' of contract '{plan.Contract.Id}' (a {value!.GetType().Name}) cannot be converted to JSON: pass a string, number, boolean, JsonElement, or a type System.Text.Json can serialise.",
                nameof(value),
                ex);
        }
        if (text is null)
        {
            return;
        }

        ContractInput input = rule.Input;
        JsonKinds expected = input.Type switch
        {
            ContractInputTypes.String => JsonKinds.String,
            ContractInputTypes.Number => JsonKinds.Number,
            ContractInputTypes.Integer => JsonKinds.Integer,
            ContractInputTypes.Boolean => JsonKinds.Boolean,
            ContractInputTypes.Object => JsonKinds.Object,
            _ => JsonKinds.Array,
        };
        if ((kinds & expected) == 0)
        {
            (violations ??= new List<ContractViolation>()).Add(new(ContractViolationKinds.InputType, $"input '{name}' must be {input.Type} but was {Name(kinds)}"));
        }

        if (input.MaxLength is int maxLength && text.Length > maxLength)
        {
            (violations ??= new List<ContractViolation>()).Add(new(ContractViolationKinds.InputLength, $"input '{name}' is {text.Length} characters long; at most {maxLength} are allowed"));
        }

        if (rule.Pattern is Regex pattern)
        {
            bool matches;
            try
            {
                matches = pattern.IsMatch(text);
            }
            catch (RegexMatchTimeoutException)
            {
                matches = false;
            }

            if (!matches)
            {
                (violations ??= new List<ContractViolation>()).Add(new(ContractViolationKinds.InputPattern, $"input '{name}' does not match its pattern"));
            }
        }

        values[rule.Index] = text;
    }

    /// <summary>The declared input named <paramref name="name"/>: compared one by one when there are few, so no name is hashed.</summary>
    private static InputRule? FindRule(ContractPlan plan, string name)
    {
        InputRule[] rules = plan.InputList;
        if (rules.Length > 8)
        {
            return plan.Inputs.TryGetValue(name, out InputRule? found) ? found : null;
        }

        for (int i = 0; i < rules.Length; i++)
        {
            if (string.Equals(rules[i].Input.Name, name, StringComparison.Ordinal))
            {
                return rules[i];
            }
        }

        return null;
    }

    private static (JsonKinds Kinds, string? Text) Describe(object? value)
    {
        switch (value)
        {
            case null:
                return (JsonKinds.None, null);
            case string s:
                return (JsonKinds.String, s);
            case bool b:
                return (JsonKinds.Boolean, b ? "true" : "false");
            case char or Guid or Uri or Enum or TimeSpan:
                return (JsonKinds.String, Convert.ToString(value, CultureInfo.InvariantCulture));
            case DateTime dateTime:
                return (JsonKinds.String, dateTime.ToString("O", CultureInfo.InvariantCulture));
            case DateTimeOffset dateTimeOffset:
                return (JsonKinds.String, dateTimeOffset.ToString("O", CultureInfo.InvariantCulture));
            case DateOnly date:
                return (JsonKinds.String, date.ToString("O", CultureInfo.InvariantCulture));
            case TimeOnly time:
                return (JsonKinds.String, time.ToString("O", CultureInfo.InvariantCulture));
            case sbyte or byte or short or ushort or int or uint or long or ulong or nint or nuint or Int128 or UInt128:
                return (JsonKinds.Number | JsonKinds.Integer, Convert.ToString(value, CultureInfo.InvariantCulture));
            case double d:
                return (NumberKinds(double.IsFinite(d), d == Math.Truncate(d)), d.ToString("R", CultureInfo.InvariantCulture));
            case float f:
                return (NumberKinds(float.IsFinite(f), f == MathF.Truncate(f)), f.ToString("R", CultureInfo.InvariantCulture));
            case decimal m:
                return (NumberKinds(true, m == decimal.Truncate(m)), m.ToString(CultureInfo.InvariantCulture));
            case Half h:
                return (NumberKinds(Half.IsFinite(h), Half.IsInteger(h)), h.ToString(CultureInfo.InvariantCulture));
            case JsonElement element:
                return Describe(element);
            default:
                JsonElement converted = JsonSerializer.SerializeToElement(value, ContractJson.InputOptions.GetTypeInfo(value.GetType()));
                return Describe(converted);
        }
    }

    private static (JsonKinds Kinds, string? Text) Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => (JsonKinds.String, element.GetString()),
        JsonValueKind.True => (JsonKinds.Boolean, "true"),
        JsonValueKind.False => (JsonKinds.Boolean, "false"),
        JsonValueKind.Number => (NumberKinds(true, element.TryGetDecimal(out decimal m) ? m == decimal.Truncate(m) : element.TryGetInt64(out _)), element.GetRawText()),
        JsonValueKind.Object => (JsonKinds.Object, element.GetRawText()),
        JsonValueKind.Array => (JsonKinds.Array, element.GetRawText()),
        _ => (JsonKinds.None, null),
    };

    // NaN and infinities are not JSON numbers: they match no declared type.
    private static JsonKinds NumberKinds(bool finite, bool whole) =>
        !finite ? JsonKinds.None : whole ? JsonKinds.Number | JsonKinds.Integer : JsonKinds.Number;

    private static string Name(JsonKinds kinds) =>
        (kinds & JsonKinds.Integer) != 0 ? ContractInputTypes.Integer
        : (kinds & JsonKinds.Number) != 0 ? ContractInputTypes.Number
        : (kinds & JsonKinds.String) != 0 ? ContractInputTypes.String
        : (kinds & JsonKinds.Boolean) != 0 ? ContractInputTypes.Boolean
        : (kinds & JsonKinds.Object) != 0 ? ContractInputTypes.Object
        : (kinds & JsonKinds.Array) != 0 ? ContractInputTypes.Array
        : "not a JSON value";
}
