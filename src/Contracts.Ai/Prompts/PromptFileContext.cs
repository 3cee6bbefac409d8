using System;
using System.Collections.Generic;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Collects the problems of one file and where each field is.</summary>
internal sealed class PromptFileContext(string path, List<PromptFileError> errors)
{
    // The front matter's first line is the file's second line (after the opening '---').
    public const int FrontMatterLineOffset = 1;

    private readonly int _errorsAtStart = errors.Count;

    public string Path { get; } = path;

    public Dictionary<string, (int Line, int Column)> Positions { get; } = new(StringComparer.Ordinal);

    public bool HasErrors => errors.Count > _errorsAtStart;

    public static (int Line, int Column) Position(YamlNode node) => ((int)node.Start.Line + FrontMatterLineOffset, (int)node.Start.Column);

    public void Add(YamlNode node, string field, string message, string code = "field-invalid")
    {
        (int line, int column) = Position(node);
        AddAt(line, column, field, message, code);
    }

    public void AddAt((int Line, int Column) position, string field, string message, string code = "field-invalid") => AddAt(position.Line, position.Column, field, message, code);

    public void AddAt(long line, long column, string field, string message, string code = "field-invalid") =>
        errors.Add(new PromptFileError(Path, (int)line, (int)column, field, message) { Code = code });

    public string? Key(YamlNode node, string? parent)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } key })
        {
            return key;
        }

        Add(node, parent ?? "front matter", "keys must be plain text.");
        return null;
    }

    public IEnumerable<(string Key, YamlNode Value)> Fields(YamlMappingNode map, string parent, string[] allowed)
    {
        foreach (var (keyNode, value) in map.Children)
        {
            if (Key(keyNode, parent) is not { } key)
            {
                continue;
            }

            Positions[parent + "." + key] = Position(keyNode);
            if (Array.IndexOf(allowed, key) < 0)
            {
                Add(keyNode, parent + "." + key, $"unknown field '{key}'; expected one of: {string.Join(", ", allowed)}.", "unknown-field");
                continue;
            }

            yield return (key, value);
        }
    }

    public YamlMappingNode? Map(YamlNode node, string field)
    {
        if (node is YamlMappingNode map)
        {
            return map;
        }

        Add(node, field, "expected a mapping of fields (name: value).");
        return null;
    }

    public string? Text(YamlNode node, string field)
    {
        if (node is YamlScalarNode scalar)
        {
            return scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" ? null : scalar.Value;
        }

        Add(node, field, "expected a single value, not a list or mapping.");
        return null;
    }

    public List<string> TextList(YamlNode node, string field)
    {
        var values = new List<string>();
        if (node is YamlScalarNode)
        {
            if (Text(node, field) is { } single)
            {
                values.Add(single);
            }

            return values;
        }

        if (node is not YamlSequenceNode sequence)
        {
            Add(node, field, "expected a list.");
            return values;
        }

        foreach (YamlNode item in sequence.Children)
        {
            if (Text(item, field) is { } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    public int? Int(YamlNode node, string field, int min, int max)
    {
        string? text = Text(node, field);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            Add(node, field, $"expected a whole number, not '{text}'.");
            return null;
        }

        if (value < min || value > max)
        {
            Add(node, field, max == int.MaxValue ? $"must be at least {min}, not {value}." : $"must be from {min} to {max}, not {value}.");
            return null;
        }

        return value;
    }

    public double? Number(YamlNode node, string field)
    {
        string? text = Text(node, field);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            Add(node, field, $"expected a number, not '{text}'.");
            return null;
        }

        return value;
    }

    public bool? Bool(YamlNode node, string field)
    {
        switch (Text(node, field))
        {
            case null: return null;
            case "true": return true;
            case "false": return false;
            case var other:
                Add(node, field, $"expected true or false, not '{other}'.");
                return null;
        }
    }

    public DateTimeOffset? Date(YamlNode node, string field)
    {
        string? text = Text(node, field);
        if (text is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value))
        {
            Add(node, field, $"expected a date such as 2026-12-31, not '{text}'.");
            return null;
        }

        return value;
    }

    public string? Version(YamlNode node, string field)
    {
        string? text = Text(node, field);
        if (text is not null && !SemanticVersion.TryParse(text, out _))
        {
            Add(node, field, $"'{text}' is not a semantic version (major.minor.patch, such as 1.0.0).", "version-invalid");
            return null;
        }

        return text;
    }
}
