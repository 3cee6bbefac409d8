using System;
using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Converts YAML nodes to JSON with the YAML 1.2 core schema: unquoted null, booleans and numbers are typed; everything quoted is a string.</summary>
internal static class YamlJson
{
    public static JsonNode? ToJson(YamlNode node, Action<YamlNode, string> error)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return ScalarToJson(scalar);
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (YamlNode item in sequence.Children)
                {
                    array.Add(ToJson(item, error));
                }

                return array;
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        error(key, "keys must be plain text.");
                        continue;
                    }

                    obj[name] = ToJson(value, error);
                }

                return obj;
            default:
                error(node, "unsupported YAML node.");
                return null;
        }
    }

    public static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        string value = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return JsonValue.Create(integer);
        }

        if (LooksNumeric(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(value);
    }

    private static bool LooksNumeric(string value)
    {
        // YAML 1.2 core floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        foreach (char c in value)
        {
            if (!(char.IsAsciiDigit(c) || c is '.' or '-' or '+' or 'e' or 'E'))
            {
                return false;
            }
        }

        return value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.');
    }
}
