using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Reads the inputs and tags of a prompt file, and checks the template's placeholders against the inputs.</summary>
internal static class PromptFileInputs
{
    private static readonly string[] InputTypes = ["string", "number", "integer", "boolean", "object", "array"];

    private static readonly string[] InputFields = ["type", "required", "max_length", "pattern", "description", "sample"];

    internal static void ReadTags(YamlNode value, Dictionary<string, string> tags, PromptFileContext context)
    {
        if (value is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                if (context.Key(k, "tags") is { } tag && context.Text(v, "tags." + tag) is { } text)
                {
                    tags[tag] = text;
                }
            }

            return;
        }

        foreach (string tag in context.TextList(value, "tags"))
        {
            tags[tag] = string.Empty;
        }
    }

    internal static void ReadInputs(YamlNode value, List<(ContractInput, YamlNode)> inputs, PromptFileContext context)
    {
        if (context.Map(value, "inputs") is not { } map)
        {
            return;
        }

        foreach (var (keyNode, spec) in map.Children)
        {
            if (context.Key(keyNode, "inputs") is not { } name)
            {
                continue;
            }

            string field = "inputs." + name;
            context.Positions[field] = PromptFileContext.Position(keyNode);
            if (!PromptTemplate.IsValidName(name))
            {
                context.Add(keyNode, field, $"'{name}' is not an input name (letters, digits, '_', '-', '.').");
                continue;
            }

            var input = new ContractInput { Name = name };
            if (spec is YamlScalarNode)
            {
                input.Type = context.Text(spec, field) ?? "string";
                CheckInputType(spec, field, input.Type, context);
            }
            else if (context.Map(spec, field) is { } specMap)
            {
                foreach (var (k, v) in context.Fields(specMap, field, InputFields))
                {
                    string inner = field + "." + k;
                    switch (k)
                    {
                        case "type":
                            input.Type = context.Text(v, inner) ?? "string";
                            CheckInputType(v, inner, input.Type, context);
                            break;
                        case "required":
                            input.Required = context.Bool(v, inner) ?? true;
                            break;
                        case "max_length":
                            input.MaxLength = context.Int(v, inner, 1, int.MaxValue);
                            break;
                        case "pattern":
                            input.Pattern = context.Text(v, inner);
                            if (input.Pattern is not null && !IsRegex(input.Pattern))
                            {
                                context.Add(v, inner, "not a valid .NET regular expression.");
                            }

                            break;
                        case "description":
                            input.Description = context.Text(v, inner);
                            break;
                        default:
                            break;
                    }
                }
            }

            inputs.Add((input, keyNode));
        }
    }

    internal static void CheckInputType(YamlNode node, string field, string type, PromptFileContext context)
    {
        if (Array.IndexOf(InputTypes, type) < 0)
        {
            context.Add(node, field, $"'{type}' is not an input type; expected one of: {string.Join(", ", InputTypes)}.");
        }
    }

    internal static void CheckPlaceholders(string template, int templateLine, List<(ContractInput Input, YamlNode Node)> inputs, PromptFileContext context)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (PromptPlaceholder placeholder in PromptPlaceholder.FindAll(template, templateLine))
        {
            if (!PromptTemplate.IsValidName(placeholder.Name))
            {
                // Not a placeholder (such as a JSON example): the renderer keeps it as text.
                continue;
            }

            used.Add(placeholder.Name);
            if (!inputs.Exists(i => i.Input.Name == placeholder.Name))
            {
                context.AddAt(placeholder.Line, placeholder.Column, "template", $"placeholder {{{{{placeholder.Name}}}}} is not declared under inputs.", "placeholder-undeclared");
            }
        }

        var names = new List<string>(inputs.Count);
        foreach (var (input, _) in inputs)
        {
            names.Add(input.Name);
        }

        foreach (string name in PromptTemplate.FindUnusedInputs(template, names))
        {
            YamlNode node = inputs.Find(i => i.Input.Name == name).Node;
            context.Add(node, "inputs." + name, PromptTemplate.UnusedInputMessage(name) + ".", "input-unused");
        }
    }

    internal static void CheckDuplicates(YamlNode node, List<string> values, string field, string what, PromptFileContext context)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string value in values)
        {
            if (!seen.Add(value))
            {
                context.Add(node, field, $"{what} '{value}' is listed twice.");
            }
        }
    }

    internal static bool IsRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
