using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Contracts.Ai;

/// <summary>The shape a tool promised its output has: a CLR type parsed strictly, or a JSON Schema.</summary>
internal abstract class ToolOutputContract
{
    /// <summary>Gets a value indicating whether the output is a JSON string itself, so a string output is not read as JSON text.</summary>
    public abstract bool ExpectsString { get; }

    /// <summary>Gets a value indicating whether <see cref="Check"/> rejects duplicate keys itself, so the reader need not.</summary>
    public virtual bool RejectsDuplicateKeys => false;

    /// <summary>Checks a well-formed JSON document; returns the violations, or <see langword="null"/> when it holds.</summary>
    public abstract List<ToolViolation>? Check(ReadOnlySpan<byte> utf8Json, JsonElement root);

    public static ToolOutputContract ForType(JsonTypeInfo typeInfo) => new TypedToolOutputContract(typeInfo);

    public static ToolOutputContract ForSchema(JsonElement schema) => new SchemaToolOutputContract(schema);
}

/// <summary>A CLR type read with System.Text.Json in strict mode: unknown members, missing required members, nulls in non-nullable members and duplicate keys are errors.</summary>
internal sealed class TypedToolOutputContract : ToolOutputContract
{
    private readonly JsonTypeInfo _typeInfo;
    private readonly bool _nullable;

    public TypedToolOutputContract(JsonTypeInfo typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        _typeInfo = Strict(typeInfo);
        _nullable = Nullable.GetUnderlyingType(typeInfo.Type) is not null;
        ExpectsString = typeInfo.Type == typeof(string);
    }

    public override bool ExpectsString { get; }

    public override bool RejectsDuplicateKeys => true;

    public override List<ToolViolation>? Check(ReadOnlySpan<byte> utf8Json, JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Null)
        {
            return _nullable ? null : [new ToolViolation("$", "null", $"expected {Describe()}, got null")];
        }

        try
        {
            _ = JsonSerializer.Deserialize(utf8Json, _typeInfo);
            return null;
        }
        catch (JsonException ex)
        {
            return [FromJsonException(ex)];
        }
#pragma warning disable CA1031 // Any failure to build the type from the document (a throwing setter, invalid UTF-16 in a string) is a rejection, never a crash.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return [new ToolViolation("$", "type", $"could not be read as {Describe()} ({ex.GetType().Name})")];
        }
    }

    private string Describe() => _typeInfo.Type.Name;

    private ToolViolation FromJsonException(JsonException ex)
    {
        string path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path!;
        string message = ex.Message;
        string kind =
            message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknownMember"
            : message.Contains("missing required", StringComparison.Ordinal) ? "missingMember"
            : message.Contains("null", StringComparison.OrdinalIgnoreCase) ? "null"
            : message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) ? "duplicateKey"
            : "type";
        string text = kind switch
        {
            "unknownMember" => $"member is not declared by {Describe()}",
            "missingMember" => $"a required member of {Describe()} is missing",
            "null" => "null where the contract does not allow it",
            "duplicateKey" => "the same member appears twice",
            _ => $"value does not fit {Describe()} at this path",
        };
        return new ToolViolation(path, kind, text);
    }

    private static JsonTypeInfo Strict(JsonTypeInfo source)
    {
        var options = new JsonSerializerOptions(source.Options)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            AllowDuplicateProperties = false,
            NumberHandling = JsonNumberHandling.Strict,
            AllowTrailingCommas = false,
            ReadCommentHandling = JsonCommentHandling.Disallow,
        };
        options.MakeReadOnly();
        return options.GetTypeInfo(source.Type);
    }
}

/// <summary>A JSON Schema checked with the compiled validator.</summary>
internal sealed class SchemaToolOutputContract : ToolOutputContract
{
    private readonly CompiledJsonSchema _schema;

    public SchemaToolOutputContract(JsonElement schema)
    {
        _schema = CompiledJsonSchema.Compile(schema);
        ExpectsString = schema.ValueKind == JsonValueKind.Object &&
            schema.TryGetProperty("type", out JsonElement type) &&
            type.ValueKind == JsonValueKind.String &&
            type.ValueEquals("string"u8);
    }

    public override bool ExpectsString { get; }

    public override List<ToolViolation>? Check(ReadOnlySpan<byte> utf8Json, JsonElement root)
    {
        SchemaValidationResult result;
        try
        {
            result = _schema.Validate(root);
        }
        catch (InvalidOperationException)
        {
            // A string holding invalid UTF-16 (an escaped lone surrogate) cannot be read as text.
            return [new ToolViolation("$", "notJson", "a string holds invalid UTF-16")];
        }

        if (result.IsValid)
        {
            return null;
        }

        var violations = new List<ToolViolation>(result.Errors.Count);
        for (int i = 0; i < result.Errors.Count; i++)
        {
            violations.Add(ToolViolation.FromSchema(result.Errors[i]));
        }

        return violations;
    }
}
