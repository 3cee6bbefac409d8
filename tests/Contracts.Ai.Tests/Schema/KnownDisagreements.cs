using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Contracts.Ai.Tests.Schema;

/// <summary>One kind of disagreement with JsonSchema.Net 8.0.5 where the compiled validator follows the specification.</summary>
/// <param name="Id">A short name.</param>
/// <param name="Explanation">Why the compiled validator's verdict is the specification's.</param>
/// <param name="Applies">Whether a schema/instance pair is of this kind (tested only for pairs where the verdicts differ).</param>
internal sealed record KnownDisagreement(string Id, string Explanation, Func<JsonElement, JsonElement, bool> Applies);

/// <summary>
/// Every known disagreement with JsonSchema.Net 8.0.5, each justified from the JSON Schema 2020-12 specification.
/// A pair is explained only when its schema and instance have the feature the entry names; anything else fails
/// <see cref="JsonSchemaNetDifferentialTests"/>.
/// </summary>
internal static class KnownDisagreements
{
    public static readonly KnownDisagreement[] All =
    [
        new(
            "exact-numbers",
            "JSON Schema numbers are exact values ('JSON numbers ... are compared by their mathematical value', Validation " +
            "6.2; 'a number is an integer if its fractional part is zero', Core 4.2.1/4.2.2). JsonSchema.Net computes in " +
            "decimal (28-29 significant digits, |x| < 7.9e28, underflow to 0 below 1e-28) and double: 0.99999999999999999999999999999 " +
            "rounds to 1, 1e-400 to 0, 1e309 and 2^96 lose their value. The compiled validator reads the number's text exactly.",
            static (schema, instance) => UsesNumbers(schema) && (HasInexactNumber(instance) || HasInexactNumber(schema))),
        new(
            "ecma-262-patterns",
            "Patterns are ECMA-262 regular expressions (Validation 6.3.3, Core 6.4): '$' is the end of the text only, '.' " +
            "excludes \\n \\r \\u2028 \\u2029 and matches a whole code point, \\d \\w \\b are ASCII, \\s is ECMA-262's white space. " +
            "JsonSchema.Net runs the pattern with .NET semantics. Explained only when the two semantics give different " +
            "answers for a string or name of this instance against a pattern of this schema.",
            static (schema, instance) => PatternSemanticsDiffer(schema, instance)),
        new(
            "code-point-lengths",
            "minLength/maxLength count characters as defined by RFC 8259, i.e. Unicode code points (Validation 6.3.1/6.3.2). " +
            "JsonSchema.Net counts differently for astral characters and combining sequences.",
            static (schema, instance) => Mentions(schema, "minLength", "maxLength") && HasMultiUnitText(instance)),
        new(
            "json-equality",
            "const, enum and uniqueItems use JSON equality, under which numbers are equal by mathematical value at any " +
            "depth (Core 4.2.2): [{\"a\":1},{\"a\":1.0}] has equal items. JsonSchema.Net compares numbers nested in " +
            "arrays and objects differently.",
            static (schema, instance) => Mentions(schema, "uniqueItems", "const", "enum") && HasNumberWrittenTwoWays(instance)),
    ];

    public static KnownDisagreement? Explain(JsonElement schema, JsonElement instance, bool compiledVerdict)
    {
        _ = compiledVerdict;
        foreach (KnownDisagreement known in All)
        {
            if (known.Applies(schema, instance))
            {
                return known;
            }
        }

        return null;
    }

    private static bool UsesNumbers(JsonElement schema) =>
        Mentions(schema, "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "const", "enum", "uniqueItems") ||
        schema.GetRawText().Contains("\"integer\"", StringComparison.Ordinal);

    // Past decimal's 28 digits or range, or past double's 15-17 digits where decimal is not used.
    private static bool HasInexactNumber(JsonElement element) => Any(element, static e =>
    {
        if (e.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        ExactNumber number = ExactNumber.Of(e);
        return number.Sign != 0 && (number.DigitCount > 15 || number.Magnitude > 28 || number.Magnitude < -27);
    });

    private static bool HasMultiUnitText(JsonElement element) => Any(element, static e =>
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        string text = e.GetString()!;
        return new StringInfo(text).LengthInTextElements != text.Length || JsonValues.CountCodePoints(text.AsSpan()) != text.Length;
    });

    // Two numbers in the instance with the same value written differently (1 and 1.0, 1e400 and 10e399).
    private static bool HasNumberWrittenTwoWays(JsonElement instance)
    {
        List<JsonElement> numbers = [];
        _ = Any(instance, e =>
        {
            if (e.ValueKind == JsonValueKind.Number)
            {
                numbers.Add(e);
            }

            return false;
        });
        for (int i = 0; i < numbers.Count; i++)
        {
            for (int j = i + 1; j < numbers.Count; j++)
            {
                if (JsonValues.CompareNumbers(numbers[i], numbers[j]) == 0 && numbers[i].GetRawText() != numbers[j].GetRawText())
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool PatternSemanticsDiffer(JsonElement schema, JsonElement instance)
    {
        List<string> patterns = [];
        _ = Any(schema, e =>
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                if (e.TryGetProperty("pattern", out JsonElement p) && p.ValueKind == JsonValueKind.String)
                {
                    patterns.Add(p.GetString()!);
                }

                if (e.TryGetProperty("patternProperties", out JsonElement pp) && pp.ValueKind == JsonValueKind.Object)
                {
                    foreach (JsonProperty member in pp.EnumerateObject())
                    {
                        patterns.Add(member.Name);
                    }
                }
            }

            return false;
        });
        if (patterns.Count == 0)
        {
            return false;
        }

        List<string> texts = [];
        _ = Any(instance, e =>
        {
            if (e.ValueKind == JsonValueKind.String)
            {
                texts.Add(e.GetString()!);
            }
            else if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty member in e.EnumerateObject())
                {
                    texts.Add(member.Name);
                }
            }

            return false;
        });
        ValidationState state = ValidationState.Rent(collecting: false, 10_000, TimeProvider.System);
        try
        {
            foreach (string pattern in patterns)
            {
                SchemaPattern ecma = SchemaPattern.Create(pattern, TimeSpan.FromSeconds(10));
                Regex? dotnet = DotNetRegex(pattern, RegexOptions.ECMAScript);
                Regex? unicode = DotNetRegex(pattern, RegexOptions.None);
                foreach (string text in texts)
                {
                    bool expected = ecma.Match(text.AsSpan(), state) == PatternOutcome.Match;
                    if ((dotnet is not null && dotnet.IsMatch(text) != expected) || (unicode is not null && unicode.IsMatch(text) != expected))
                    {
                        return true;
                    }
                }
            }
        }
        finally
        {
            ValidationState.Return(state);
        }

        return false;
    }

    private static Regex? DotNetRegex(string pattern, RegexOptions options)
    {
        try
        {
            return new Regex(pattern, options);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool Mentions(JsonElement schema, params string[] keywords)
    {
        string raw = schema.GetRawText();
        foreach (string keyword in keywords)
        {
            if (raw.Contains("\"" + keyword + "\"", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Any(JsonElement element, Func<JsonElement, bool> predicate)
    {
        if (predicate(element))
        {
            return true;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty member in element.EnumerateObject())
                {
                    if (Any(member.Value, predicate))
                    {
                        return true;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (Any(item, predicate))
                    {
                        return true;
                    }
                }

                break;
        }

        return false;
    }

    internal static string Describe() => new StringBuilder().AppendJoin(Environment.NewLine, Array.ConvertAll(All, k => k.Id + ": " + k.Explanation)).ToString();
}
