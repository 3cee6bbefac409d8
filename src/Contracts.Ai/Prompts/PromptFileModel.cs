using System;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Reads the <c>model</c> and <c>template</c> fields of a prompt file (model id and context window; Prompty's template engine).</summary>
internal static class PromptFileModel
{
    private static readonly string[] TemplateFields = ["format", "parser"];

    private static readonly string[] ModelFields = ["id", "api", "context_window", "configuration", "parameters", "response"];

    internal static void ReadModel(YamlNode value, ref string? modelId, ref int? contextWindow, PromptFileContext context)
    {
        if (context.Map(value, "model") is not { } map)
        {
            return;
        }

        string? configured = null;
        foreach (var (k, v) in context.Fields(map, "model", ModelFields))
        {
            string field = "model." + k;
            switch (k)
            {
                case "id":
                    modelId = context.Text(v, field);
                    break;
                case "context_window":
                    contextWindow = context.Int(v, field, 1, int.MaxValue);
                    break;
                case "api":
                    if (context.Text(v, field) is { } api && api != "chat")
                    {
                        context.Add(v, field, $"'{api}' is not supported: contracts govern chat calls (api: chat).");
                    }

                    break;
                case "configuration":
                    if (context.Map(v, field) is { } configuration)
                    {
                        foreach (var (ck, cv) in configuration.Children)
                        {
                            if (ck is YamlScalarNode { Value: "name" or "azure_deployment" or "model" } && cv is YamlScalarNode { Value: { } deployment })
                            {
                                configured ??= deployment;
                            }
                        }
                    }

                    break;
                default:
                    _ = YamlJson.ToJson(v, (node, message) => context.Add(node, field, message));
                    break;
            }
        }

        modelId ??= configured;
    }

    internal static void ReadTemplateEngine(YamlNode value, PromptFileContext context)
    {
        YamlNode? formatNode = value;
        if (value is YamlMappingNode map)
        {
            formatNode = null;
            foreach (var (k, v) in context.Fields(map, "template", TemplateFields))
            {
                if (k == "format")
                {
                    formatNode = v;
                }
            }
        }

        if (formatNode is not null && context.Text(formatNode, "template.format") is { } format && format is not ("mustache" or "jinja2"))
        {
            context.Add(formatNode, "template.format", $"'{format}' is not supported: templates use {{{{name}}}} placeholders (mustache or jinja2 format).");
        }
    }
}
