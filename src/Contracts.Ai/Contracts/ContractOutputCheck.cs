using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Validates a final answer against its contract: JSON extraction, echoed-schema check, schema, strict CLR parse, custom validators.</summary>
internal static class ContractOutputCheck
{
    /// <summary>Checks the answer; completes at once unless a custom validator awaits.</summary>
    public static ValueTask<OutputResult> ValidateAsync(ContractPlan plan, ChatResponse response, CancellationToken cancellationToken)
    {
        if (plan.HasValidators)
        {
            return ValidateWithValidatorsAsync(plan, response, cancellationToken);
        }

        if (plan.Schema is null)
        {
            return new ValueTask<OutputResult>(OutputResult.Passed);
        }

        // Schema only: checked without a state machine.
        OutputResult? failed = CheckJson(plan, FinalText(response), out JsonDocument? document, out string json, out object? value);
        if (failed is not null)
        {
            return new ValueTask<OutputResult>(failed);
        }

        document!.Dispose();
        return new ValueTask<OutputResult>(new OutputResult(null, json, value));
    }

    private static async ValueTask<OutputResult> ValidateWithValidatorsAsync(ContractPlan plan, ChatResponse response, CancellationToken cancellationToken)
    {
        PromptContract contract = plan.Contract;
        string text = FinalText(response);
        if (plan.Schema is null)
        {
            List<ContractViolation>? custom = await RunValidatorsAsync(contract, response, text, null, null, cancellationToken).ConfigureAwait(false);
            return custom is null ? OutputResult.Passed : new OutputResult(custom, null, null);
        }

        OutputResult? failed = CheckJson(plan, text, out JsonDocument? document, out string json, out object? value);
        if (failed is not null)
        {
            return failed;
        }

        using JsonDocument owned = document!;
        List<ContractViolation>? failures = await RunValidatorsAsync(contract, response, json, document!.RootElement, value, cancellationToken).ConfigureAwait(false);
        return failures is null ? new OutputResult(null, json, value) : new OutputResult(failures, null, null);
    }

    /// <summary>
    /// Checks the answer against the output schema: JSON extraction, echoed schema, schema, strict parse. Returns the
    /// failure, or <see langword="null"/> with the parsed <paramref name="document"/> (the caller disposes it), the
    /// extracted <paramref name="json"/> and the parsed <paramref name="value"/>.
    /// </summary>
    private static OutputResult? CheckJson(ContractPlan plan, string text, out JsonDocument? document, out string json, out object? value)
    {
        document = null;
        value = null;
        PromptContract contract = plan.Contract;
        if (!ToolArgumentValidator.IsValidUtf16(text))
        {
            // A lone surrogate cannot be sent on as UTF-8 JSON: the answer is broken, whatever its shape.
            json = string.Empty;
            return Fail(new ContractViolation(ContractViolationKinds.OutputNotJson, "$: the answer holds text that is not valid UTF-16 (a lone surrogate)"));
        }

        if (!AnswerJson.TryExtract(text, out json, out AnswerJson.Failure failure))
        {
            return Fail(failure == AnswerJson.Failure.Truncated
                ? new ContractViolation(ContractViolationKinds.OutputTruncated, "$: the answer's JSON is incomplete (cut off before the value ended)")
                : new ContractViolation(ContractViolationKinds.OutputNotJson, "$: the answer contains no JSON value"));
        }

        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(json, StrictDocument);
        }
        catch (JsonException ex)
        {
            return Fail(ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                ? new ContractViolation(ContractViolationKinds.OutputDuplicateKey, $"{PathOf(ex)}: the same property appears twice in one object")
                : new ContractViolation(ContractViolationKinds.OutputNotJson, $"{PathOf(ex)}: the answer's JSON is nested deeper than {StrictDocument.MaxDepth} levels or malformed"));
        }
        catch (InvalidOperationException)
        {
            // Checking for duplicate keys reads every property name; an escaped lone surrogate in one cannot be read.
            return Fail(new ContractViolation(ContractViolationKinds.OutputNotJson, "$: a property name holds an escaped lone surrogate"));
        }

        OutputResult? failed;
        try
        {
            failed = CheckDocument(plan, contract, parsed.RootElement, out value);
        }
        catch
        {
            parsed.Dispose();
            throw;
        }

        if (failed is not null)
        {
            parsed.Dispose();
            return failed;
        }

        document = parsed;
        return null;
    }

    private static OutputResult? CheckDocument(ContractPlan plan, PromptContract contract, JsonElement root, out object? value)
    {
        value = null;
        if (FindNonFiniteNumber(root) is { } nonFinite)
        {
            return Fail(new ContractViolation(ContractViolationKinds.OutputNonFiniteNumber, $"{nonFinite}: the number is outside the range of a double (it would read as infinity)"));
        }

        if (IsEchoedSchema(plan, root))
        {
            return Fail(new ContractViolation(ContractViolationKinds.OutputEchoedSchema, "$: the answer is a JSON Schema, not data that satisfies the schema"));
        }

        SchemaValidationResult result = plan.Schema!.Validate(root);
        if (!result.IsValid)
        {
            var violations = new List<ContractViolation>(result.Errors.Count);
            foreach (SchemaValidationError error in result.Errors)
            {
                violations.Add(new(ContractViolationKinds.OutputSchema, error.ToString()));
            }

            return new OutputResult(violations, null, null);
        }

        if (contract.OutputTypeInfo is { } typeInfo)
        {
            try
            {
                value = JsonSerializer.Deserialize(root, typeInfo);
            }
            catch (JsonException ex)
            {
                return Fail(new ContractViolation(ContractViolationKinds.OutputType, $"{ex.Path ?? "$"}: not a valid {typeInfo.Type.Name}: {StripLocation(ex.Message)}"));
            }

            if (value is null)
            {
                return Fail(new ContractViolation(ContractViolationKinds.OutputType, $"$: the answer is null, expected a {typeInfo.Type.Name}"));
            }
        }

        return null;
    }

    /// <summary>The answer is the text of the response's last message (earlier ones are tool rounds).</summary>
    public static string FinalText(ChatResponse response) =>
        response.Messages.Count == 0 ? string.Empty : response.Messages[^1].Text;

    private static readonly JsonDocumentOptions StrictDocument = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    private static string PathOf(JsonException ex) => string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path!;

    /// <summary>Returns the path of the first number no double can hold (such as <c>1e400</c>), or <see langword="null"/>.</summary>
    /// <remarks>A valid answer is walked once without allocating; the path is built only for the number found.</remarks>
    private static string? FindNonFiniteNumber(JsonElement root) =>
        HasNonFiniteNumber(root) ? PathToNonFinite(root, "$") : null;

    private static bool HasNonFiniteNumber(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                return !element.TryGetDouble(out double value) || !double.IsFinite(value);
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (HasNonFiniteNumber(item))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (HasNonFiniteNumber(property.Value))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static string? PathToNonFinite(JsonElement element, string path)
    {
        if (!HasNonFiniteNumber(element))
        {
            return null;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (PathToNonFinite(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return path;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (HasNonFiniteNumber(property.Value))
                    {
                        return PathToNonFinite(property.Value, path + "['" + property.Name.Replace("'", "\\'", StringComparison.Ordinal) + "']");
                    }
                }

                return path;
            default:
                return path;
        }
    }

    private static OutputResult Fail(ContractViolation violation) => new(new List<ContractViolation>(1) { violation }, null, null);

    private static bool IsEchoedSchema(ContractPlan plan, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (ContractJson.SchemaEquals(root, plan.Contract.OutputSchema))
        {
            return true;
        }

        return !plan.SchemaDescribesSchemaMembers &&
            (root.TryGetProperty("$schema", out _) ||
             (root.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object &&
              root.TryGetProperty("type", out JsonElement type) && type.ValueKind is JsonValueKind.String or JsonValueKind.Array));
    }

    private static async ValueTask<List<ContractViolation>?> RunValidatorsAsync(
        PromptContract contract, ChatResponse response, string text, JsonElement? output, object? value, CancellationToken cancellationToken)
    {
        if (contract.Validators.Count == 0)
        {
            return null;
        }

        var context = new ContractValidationContext(contract, response, text, output, value);
        foreach (IContractValidator validator in contract.Validators)
        {
            await validator.ValidateAsync(context, cancellationToken).ConfigureAwait(false);
        }

        if (context.Errors.Count == 0)
        {
            return null;
        }

        var violations = new List<ContractViolation>(context.Errors.Count);
        foreach (string error in context.Errors)
        {
            violations.Add(new(ContractViolationKinds.OutputValidator, error));
        }

        return violations;
    }

    // System.Text.Json appends "Path: $.x | LineNumber: 0 | BytePositionInLine: 12."; the path is reported separately.
    private static string StripLocation(string message)
    {
        int at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}

/// <summary>The outcome of checking one answer.</summary>
/// <param name="Violations">The violations, or <see langword="null"/> when the answer passed.</param>
/// <param name="Json">The answer's JSON text when it passed and has a schema.</param>
/// <param name="Value">The answer parsed into the contract's output type, when it has one.</param>
internal sealed record OutputResult(List<ContractViolation>? Violations, string? Json, object? Value)
{
    public static OutputResult Passed { get; } = new(null, null, null);

    public bool IsValid => Violations is null;
}
