using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Checks a call's arguments against the function's own parameter schema, compiled once per schema.</summary>
internal sealed class ToolArgumentValidator
{
    // By the schema's text, not the function object: apps that create their tools per request reuse one validator.
    private static readonly ContentHashCache<ToolArgumentValidator> Cache = new(generationCapacity: 1_024);

    private readonly CompiledJsonSchema? _schema;
    private readonly HashSet<string>? _declared;

    private ToolArgumentValidator(AIFunction function)
    {
        JsonElement schema = function.JsonSchema;
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        try
        {
            _schema = CompiledJsonSchema.Compile(schema);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Tool '{function.Name}' declares a parameter schema that cannot be compiled: {ex.Message}", nameof(function), ex);
        }

        // Unknown arguments: the schema says so itself when it declares additionalProperties; otherwise
        // (AIFunctionFactory's schemas) only declared parameters are accepted, when the options ask for it.
        if (!schema.TryGetProperty("additionalProperties", out _))
        {
            _declared = new HashSet<string>(StringComparer.Ordinal);
            if (schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in properties.EnumerateObject())
                {
                    _declared.Add(property.Name);
                }
            }
        }
    }

    /// <summary>Gets the validator of <paramref name="function"/>, compiling its schema the first time it is seen.</summary>
    /// <exception cref="ArgumentException">The function's parameter schema cannot be compiled.</exception>
    public static ToolArgumentValidator For(AIFunction function)
    {
        UInt128 key = ContentFingerprint.Of(function.JsonSchema);
        if (!Cache.TryGet(key, out ToolArgumentValidator? validator))
        {
            validator = new ToolArgumentValidator(function);
            Cache.Store(key, validator);
        }

        return validator;
    }

    /// <summary>Returns the violations of <paramref name="arguments"/>, or <see langword="null"/> when they are valid.</summary>
    public List<ToolViolation>? Validate(AIFunctionArguments arguments, JsonSerializerOptions serializerOptions, bool rejectUnknown)
    {
        if (_schema is null)
        {
            return null;
        }

        List<ToolViolation>? violations = null;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (KeyValuePair<string, object?> argument in arguments)
            {
                if (rejectUnknown && _declared is not null && !_declared.Contains(argument.Key))
                {
                    (violations ??= []).Add(new ToolViolation(PathOf(argument.Key), "unknownArgument", "the tool does not declare this argument"));
                    continue;
                }

                if (!IsValidUtf16(argument.Key))
                {
                    (violations ??= []).Add(new ToolViolation("$", "type", "an argument name is not valid UTF-16"));
                    continue;
                }

                writer.WritePropertyName(argument.Key);
                if (!TryWrite(writer, argument.Value, serializerOptions))
                {
                    (violations ??= []).Add(new ToolViolation(PathOf(argument.Key), "type", "the value cannot be represented as JSON"));
                }
            }

            writer.WriteEndObject();
        }

        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        SchemaValidationResult result;
        try
        {
            result = _schema.Validate(document.RootElement);
        }
        catch (InvalidOperationException)
        {
            (violations ??= []).Add(new ToolViolation("$", "type", "an argument holds text that is not valid UTF-16"));
            return violations;
        }

        if (result.IsValid)
        {
            return violations;
        }

        violations ??= new List<ToolViolation>(result.Errors.Count);
        for (int i = 0; i < result.Errors.Count; i++)
        {
            violations.Add(ToolViolation.FromSchema(result.Errors[i]));
        }

        return violations;
    }

    private static bool TryWrite(Utf8JsonWriter writer, object? value, JsonSerializerOptions serializerOptions)
    {
        try
        {
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case JsonElement element:
                    element.WriteTo(writer);
                    break;
                case string text when IsValidUtf16(text):
                    writer.WriteStringValue(text);
                    break;
                case string:
                    writer.WriteNullValue();
                    return false;
                default:
                    // Serialised apart first, so a value that fails half-way leaves the writer intact.
                    writer.WriteRawValue(JsonSerializer.SerializeToUtf8Bytes(value, serializerOptions.GetTypeInfo(value.GetType())), skipInputValidation: true);
                    break;
            }

            return true;
        }
#pragma warning disable CA1031 // A value that cannot be written as JSON is an argument violation, not a crash.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            writer.WriteNullValue();
            return false;
        }
    }

    internal static bool IsValidUtf16(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string PathOf(string name)
    {
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return "$['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";
            }
        }

        return name.Length == 0 ? "$['']" : "$." + name;
    }
}
