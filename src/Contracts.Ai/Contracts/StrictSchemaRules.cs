using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// Whether an output schema already meets the rules of strict structured outputs (OpenAI's, which other providers
/// follow): an object at the root; every object lists all its properties as required and sets
/// <c>additionalProperties: false</c>; only the supported keywords; at most 10 levels of nesting and 5,000 properties.
/// </summary>
/// <remarks>
/// Such a schema can be sent with <c>strict: true</c> without changing what it accepts, so the provider enforces
/// exactly the schema the contract validates. A schema that does not meet the rules is sent as it is, not strict.
/// </remarks>
internal static class StrictSchemaRules
{
    private const int MaxDepth = 10;
    private const int MaxProperties = 5000;

    private static readonly HashSet<string> SupportedKeywords = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf",
        "$ref", "$defs", "definitions", "description", "title", "$schema", "$id", "$comment",
        "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minItems", "maxItems",
    };

    public static bool IsStrictCompatible(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object ||
            !schema.TryGetProperty("type", out JsonElement type) ||
            type.ValueKind != JsonValueKind.String ||
            type.GetString() != "object")
        {
            return false;
        }

        int properties = 0;
        return Check(schema, depth: 1, ref properties);
    }

    private static bool Check(JsonElement schema, int depth, ref int properties)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            return false;
        }

        bool isObject = false;
        foreach (JsonProperty keyword in schema.EnumerateObject())
        {
            if (!SupportedKeywords.Contains(keyword.Name))
            {
                return false;
            }

            if (keyword.Name == "type")
            {
                isObject |= Names(keyword.Value, "object");
            }
        }

        if (isObject || schema.TryGetProperty("properties", out _))
        {
            if (!CheckObject(schema, depth, ref properties))
            {
                return false;
            }
        }

        if (schema.TryGetProperty("items", out JsonElement items) && !Check(items, depth + 1, ref properties))
        {
            return false;
        }

        if (schema.TryGetProperty("anyOf", out JsonElement anyOf))
        {
            if (anyOf.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (JsonElement branch in anyOf.EnumerateArray())
            {
                if (!Check(branch, depth + 1, ref properties))
                {
                    return false;
                }
            }
        }

        foreach (string defs in (ReadOnlySpan<string>)["$defs", "definitions"])
        {
            if (schema.TryGetProperty(defs, out JsonElement definitions))
            {
                if (definitions.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }

                foreach (JsonProperty definition in definitions.EnumerateObject())
                {
                    if (!Check(definition.Value, depth + 1, ref properties))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static bool CheckObject(JsonElement schema, int depth, ref int properties)
    {
        if (!schema.TryGetProperty("additionalProperties", out JsonElement additional) || additional.ValueKind != JsonValueKind.False)
        {
            return false;
        }

        if (!schema.TryGetProperty("properties", out JsonElement declared))
        {
            return true;
        }

        if (declared.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out JsonElement list))
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (JsonElement name in list.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                required.Add(name.GetString()!);
            }
        }

        foreach (JsonProperty property in declared.EnumerateObject())
        {
            if (++properties > MaxProperties || !required.Contains(property.Name) || !Check(property.Value, depth + 1, ref properties))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Names(JsonElement type, string name)
    {
        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString() == name;
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in type.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() == name)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
