using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Json.Schema;

namespace Contracts.Ai;

/// <summary>Evaluates schemas outside the compiled subset with JsonSchema.Net and maps its output to <see cref="SchemaValidationResult"/>.</summary>
internal sealed class FallbackJsonSchema
{
    private static readonly EvaluationOptions ListOptions = new() { OutputFormat = OutputFormat.List };
    private static readonly EvaluationOptions FlagOptions = new() { OutputFormat = OutputFormat.Flag };

    // Past this decimal exponent JsonSchema.Net's multipleOf can overflow the stack (1e400000000), which ends the process.
    private const long MaxExponentForMultipleOf = 10_000;

    private readonly JsonSchema _schema;
    private readonly bool _hasMultipleOf;

    private FallbackJsonSchema(JsonSchema schema, bool hasMultipleOf)
    {
        _schema = schema;
        _hasMultipleOf = hasMultipleOf;
    }

    /// <summary>Builds the evaluator; its <c>pattern</c> and <c>patternProperties</c> matches share each validation's budget.</summary>
    public static FallbackJsonSchema Build(JsonElement schema, TimeSpan patternBudget)
    {
        try
        {
            // A registry per schema, so schemas declaring the same $id never collide; dialects per schema, so the budgeted
            // pattern keywords never replace JsonSchema.Net's own for the rest of the process.
            (Dialect dialect, DialectRegistry dialects) = BudgetedPatternKeywords.Dialects(patternBudget);
            BuildOptions options = new() { SchemaRegistry = new SchemaRegistry(), Dialect = dialect, DialectRegistry = dialects };
            return new FallbackJsonSchema(JsonSchema.Build(schema, options), schema.GetRawText().Contains("\"multipleOf\"", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is JsonSchemaException or JsonException or InvalidOperationException or ArgumentException or FormatException or UriFormatException or KeyNotFoundException)
        {
            throw new ArgumentException("Invalid JSON Schema at '#': " + e.Message, nameof(schema), e);
        }
    }

    public bool IsValid(JsonElement instance, long patternBudgetMilliseconds, TimeProvider clock) =>
        !(_hasMultipleOf && HasHugeNumber(instance)) && Evaluate(instance, FlagOptions, patternBudgetMilliseconds, clock, out _).IsValid;

    public SchemaValidationResult Validate(JsonElement instance, long patternBudgetMilliseconds, TimeProvider clock, out int patternEvaluations)
    {
        patternEvaluations = 0;
        if (_hasMultipleOf && HasHugeNumber(instance))
        {
            return new SchemaValidationResult([new SchemaValidationError("$", "multipleOf",
                "the document holds a number beyond 1e" + MaxExponentForMultipleOf + " in magnitude or precision, which this schema's evaluator cannot check")]);
        }

        EvaluationResults results = Evaluate(instance, ListOptions, patternBudgetMilliseconds, clock, out patternEvaluations);
        if (results.IsValid)
        {
            return SchemaValidationResult.Valid;
        }

        List<SchemaValidationError> errors = [];
        Add(results, instance, errors);
        if (results.Details is not null)
        {
            foreach (EvaluationResults detail in results.Details)
            {
                Add(detail, instance, errors);
            }
        }

        if (errors.Count == 0)
        {
            errors.Add(new SchemaValidationError("$", "schema", "the value does not match the schema"));
        }

        return new SchemaValidationResult(errors);
    }

    private EvaluationResults Evaluate(JsonElement instance, EvaluationOptions options, long patternBudgetMilliseconds, TimeProvider clock, out int patternEvaluations)
    {
        ValidationState state = ValidationState.Rent(collecting: false, patternBudgetMilliseconds, clock);
        try
        {
            using (BudgetedPatternKeywords.Enter(state))
            {
                EvaluationResults results = _schema.Evaluate(instance, options);
                patternEvaluations = state.PatternEvaluations;
                return results;
            }
        }
        catch (Exception e) when (e is JsonSchemaException or InvalidOperationException or KeyNotFoundException or UriFormatException)
        {
            // JsonSchema.Net resolves references lazily, so a defect in such a schema can surface only here.
            throw new InvalidOperationException("The JSON Schema cannot be evaluated: " + e.Message, e);
        }
        finally
        {
            ValidationState.Return(state);
        }
    }

    private static void Add(EvaluationResults result, JsonElement instance, List<SchemaValidationError> errors)
    {
        if (result.Errors is null)
        {
            return;
        }

        string path = ToJsonPath(result.InstanceLocation.ToString(), instance);
        foreach (KeyValuePair<string, string> error in result.Errors)
        {
            errors.Add(new SchemaValidationError(path, error.Key, error.Value));
        }
    }

    /// <summary>Whether a document holds a number whose decimal exponent is beyond what JsonSchema.Net's multipleOf survives.</summary>
    internal static bool HasHugeNumber(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                ExactNumber number = ExactNumber.Of(element);
                return number.Magnitude > MaxExponentForMultipleOf || number.Exponent < -MaxExponentForMultipleOf;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (HasHugeNumber(item))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Object:
                foreach (JsonProperty member in element.EnumerateObject())
                {
                    if (HasHugeNumber(member.Value))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>Turns a JSON pointer into a JSON path, reading the document to tell array indexes from member names.</summary>
    internal static string ToJsonPath(string pointer, JsonElement instance)
    {
        StringBuilder path = new("$");
        if (pointer.Length == 0 || pointer == "#")
        {
            return "$";
        }

        JsonElement current = instance;
        foreach (string raw in pointer.TrimStart('#')[1..].Split('/'))
        {
            string segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                path.Append('[').Append(segment).Append(']');
                current = index < current.GetArrayLength() ? current[index] : default;
            }
            else
            {
                ValidationState.AppendName(path, segment);
                current = current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out JsonElement child) ? child : default;
            }
        }

        return path.ToString();
    }
}
