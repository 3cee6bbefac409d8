using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Reads the output schema of a prompt file (<c>output_schema</c>, or Prompty's <c>outputs</c>) and checks that it is valid JSON Schema.</summary>
internal static class PromptFileSchemas
{
    internal static JsonElement? ReadPromptyOutputs(YamlNode value, PromptFileContext context)
    {
        if (context.Map(value, "outputs") is not { } map)
        {
            return null;
        }

        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var (k, v) in map.Children)
        {
            if (context.Key(k, "outputs") is not { } name)
            {
                continue;
            }

            JsonNode? property = v is YamlScalarNode scalar
                ? new JsonObject { ["type"] = scalar.Value }
                : YamlJson.ToJson(v, (node, message) => context.Add(node, "outputs." + name, message));
            properties[name] = property;
            required.Add((JsonNode)JsonValue.Create(name));
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = required,
            ["additionalProperties"] = false,
        };
        return CheckSchema(schema, value, "outputs", context, prefix: "/properties");
    }

    internal static JsonElement? ReadSchema(YamlNode value, string field, PromptFileContext context)
    {
        if (context.Map(value, field) is null)
        {
            return null;
        }

        JsonNode? schema = YamlJson.ToJson(value, (node, message) => context.Add(node, field, message));
        return CheckSchema(schema, value, field, context, prefix: string.Empty);
    }

    internal static JsonElement? CheckSchema(JsonNode? schema, YamlNode yaml, string field, PromptFileContext context, string prefix)
    {
        using JsonDocument document = JsonDocument.Parse(schema?.ToJsonString() ?? "null");
        JsonElement element = document.RootElement.Clone();
        SortedDictionary<string, List<string>> byLocation = SchemaDefinitionCheck.Find(element);
        if (byLocation.Count == 0)
        {
            return element;
        }

        foreach ((string pointer, List<string> messages) in byLocation)
        {
            YamlNode at = FindNode(yaml, pointer, prefix) ?? yaml;
            string value = at is YamlScalarNode { Value: { } scalar } ? $" ('{scalar}')" : string.Empty;
            context.Add(at, field, $"not a valid JSON Schema at '{SchemaDefinitionCheck.Display(pointer)}'{value}: {string.Join("; or ", messages)}", "schema-invalid");
        }

        return null;
    }

    internal static YamlNode? FindNode(YamlNode root, string pointer, string prefix)
    {
        if (prefix.Length > 0)
        {
            if (!pointer.StartsWith(prefix, StringComparison.Ordinal))
            {
                return null;
            }

            pointer = pointer[prefix.Length..];
        }

        YamlNode current = root;
        foreach (string raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            YamlNode? next = null;
            if (current is YamlMappingNode map)
            {
                foreach (var (k, v) in map.Children)
                {
                    if (k is YamlScalarNode { Value: { } name } && name == segment)
                    {
                        next = v;
                        break;
                    }
                }
            }
            else if (current is YamlSequenceNode sequence && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < sequence.Children.Count)
            {
                next = sequence.Children[index];
            }

            if (next is null)
            {
                break;
            }

            current = next;
        }

        return current;
    }

    internal static JsonElement ToElement(YamlNode node, string field, PromptFileContext context)
    {
        JsonNode? json = YamlJson.ToJson(node, (n, message) => context.Add(n, field, message));
        using JsonDocument document = JsonDocument.Parse(json?.ToJsonString() ?? "null");
        return document.RootElement.Clone();
    }
}
