using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai;

/// <summary>Reads one prompt file: YAML front matter between <c>---</c> lines, then the template.</summary>
/// <remarks>Uses YamlDotNet's representation model only (no reflection), so it is trimming and AOT safe.</remarks>
internal static partial class PromptFileParser
{
    internal static readonly string[] TopLevelFields =
    [
        "$schema", "id", "name", "description", "version", "authors", "tags", "owner", "risk", "inputs", "outputs",
        "output_schema", "output_type", "allowed_tools", "on_failure", "budget", "deprecation", "labels", "rollout",
        "model", "sample", "template",
    ];

    private static readonly string[] RiskLevels = ["low", "medium", "high", "critical"];
    private static readonly string[] BudgetFields = ["max_input_tokens", "max_output_tokens"];
    private static readonly string[] DeprecationFields = ["deprecated_after", "replaced_by"];

    public static PromptFile? Parse(string text, string path, List<PromptFileError> errors) => Parse(text, path, errors, texts: null);

    /// <summary>Parses a prompt file; <paramref name="texts"/>, when given, receives the file's verbatim text (template, fallback, samples) even when the file has errors.</summary>
    public static PromptFile? Parse(string text, string path, List<PromptFileError> errors, List<PromptFileText>? texts)
    {
        var context = new PromptFileContext(path, errors);
        string[] lines = text.TrimStart('\uFEFF').Split('\n');
        PromptFileText whole = new(path, text.TrimStart('\uFEFF'), 1, null, new Dictionary<string, JsonElement>(), new Dictionary<string, (int, int)>());
        if (lines.Length == 0 || lines[0].Trim() != "---")
        {
            context.AddAt(1, 1, "front matter", "a prompt file starts with a '---' line, then the YAML front matter, a closing '---' line and the template.", "front-matter");
            texts?.Add(whole);
            return null;
        }

        int close = -1;
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() == "---")
            {
                close = i;
                break;
            }
        }

        if (close < 0)
        {
            context.AddAt(1, 1, "front matter", "the front matter is not closed: add a '---' line between it and the template.", "front-matter");
            texts?.Add(whole);
            return null;
        }

        var yaml = new StringBuilder();
        for (int i = 1; i < close; i++)
        {
            yaml.Append(lines[i].TrimEnd('\r')).Append('\n');
        }

        YamlMappingNode? root = LoadFrontMatter(yaml.ToString(), context);
        if (root is null)
        {
            // The fields cannot be told apart: the whole file is checked as text.
            texts?.Add(whole);
            return null;
        }

        return Build(root, lines, close + 1, context, texts);
    }

    private static YamlMappingNode? LoadFrontMatter(string yaml, PromptFileContext context)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            context.AddAt(ex.Start.Line + PromptFileContext.FrontMatterLineOffset, (int)ex.Start.Column, "front matter", "invalid YAML: " + ex.Message, "yaml-syntax");
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            context.AddAt(2, 1, "front matter", "the front matter is empty: declare at least name (or id) and version.", "front-matter");
            return null;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            context.Add(stream.Documents[0].RootNode, "front matter", "the front matter must be a mapping of fields (name: value).", "front-matter");
            return null;
        }

        return root;
    }

    private static PromptFile? Build(YamlMappingNode root, string[] lines, int bodyStart, PromptFileContext context, List<PromptFileText>? texts)
    {
        string? id = null, name = null, description = null, version = null, owner = null, risk = null, outputType = null, modelId = null;
        int? contextWindow = null, maxInputTokens = null, maxOutputTokens = null;
        int maxReasks = 2;
        string? fallback = null, replacedBy = null;
        ContractFailurePolicy policy = ContractFailurePolicy.Throw;
        DateTimeOffset? deprecatedAfter = null;
        JsonElement? outputSchema = null;
        List<string>? allowedTools = null;
        var authors = new List<string>();
        var labels = new List<string>();
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = new List<(ContractInput Input, YamlNode Node)>();
        var sample = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var sampleNodes = new List<(string Name, YamlNode Node)>();
        PromptRollout? rollout = null;
        YamlNode? idNode = null, nameNode = null;
        var outputSources = new List<string>();

        foreach (var (keyNode, value) in root.Children)
        {
            string? key = context.Key(keyNode, null);
            if (key is null)
            {
                continue;
            }

            context.Positions[key] = PromptFileContext.Position(keyNode);
            switch (key)
            {
                case "$schema":
                    break;
                case "id":
                    id = context.Text(value, key);
                    idNode = value;
                    break;
                case "name":
                    name = context.Text(value, key);
                    nameNode = value;
                    break;
                case "description":
                    description = context.Text(value, key);
                    break;
                case "version":
                    version = context.Text(value, key);
                    if (version is not null && !SemanticVersion.TryParse(version, out _))
                    {
                        context.Add(value, key, $"'{version}' is not a semantic version (major.minor.patch, such as 1.0.0).", "version-invalid");
                    }

                    break;
                case "authors":
                    authors.AddRange(context.TextList(value, key));
                    break;
                case "tags":
                    PromptFileInputs.ReadTags(value, tags, context);
                    break;
                case "owner":
                    owner = context.Text(value, key);
                    break;
                case "risk":
                    risk = context.Text(value, key);
                    if (risk is not null && Array.IndexOf(RiskLevels, risk) < 0)
                    {
                        context.Add(value, key, $"'{risk}' is not a risk level; expected one of: {string.Join(", ", RiskLevels)}.");
                        risk = null;
                    }

                    break;
                case "inputs":
                    PromptFileInputs.ReadInputs(value, inputs, context);
                    break;
                case "outputs":
                    outputSources.Add(key);
                    outputSchema = PromptFileSchemas.ReadPromptyOutputs(value, context);
                    break;
                case "output_schema":
                    outputSources.Add(key);
                    outputSchema = PromptFileSchemas.ReadSchema(value, key, context);
                    break;
                case "output_type":
                    outputSources.Add(key);
                    outputType = context.Text(value, key);
                    if (outputType is not null && !ClrTypeNameRegex().IsMatch(outputType))
                    {
                        context.Add(value, key, $"'{outputType}' is not a CLR type name (such as MyApp.SupportReply or 'MyApp.SupportReply, MyApp').");
                    }

                    break;
                case "allowed_tools":
                    allowedTools = context.TextList(value, key);
                    PromptFileInputs.CheckDuplicates(value, allowedTools, key, "tool", context);
                    break;
                case "on_failure":
                    PromptFileFailurePolicy.ReadOnFailure(value, ref policy, ref maxReasks, ref fallback, context);
                    break;
                case "budget":
                    if (context.Map(value, key) is { } budget)
                    {
                        foreach (var (k, v) in context.Fields(budget, key, BudgetFields))
                        {
                            if (k == "max_input_tokens") { maxInputTokens = context.Int(v, key + "." + k, 1, int.MaxValue); }
                            else { maxOutputTokens = context.Int(v, key + "." + k, 1, int.MaxValue); }
                        }
                    }

                    break;
                case "deprecation":
                    if (context.Map(value, key) is { } deprecation)
                    {
                        foreach (var (k, v) in context.Fields(deprecation, key, DeprecationFields))
                        {
                            if (k == "deprecated_after") { deprecatedAfter = context.Date(v, key + "." + k); }
                            else { replacedBy = context.Version(v, key + "." + k); }
                        }
                    }

                    break;
                case "labels":
                    foreach (string label in context.TextList(value, key))
                    {
                        if (!LabelRegex().IsMatch(label)) { context.Add(value, key, $"'{label}' is not a label name (letters, digits, '.', '_', '-')."); }
                        else if (label == "latest") { context.Add(value, key, "'latest' is maintained automatically (it points at the highest version); remove it."); }
                        else { labels.Add(label); }
                    }

                    PromptFileInputs.CheckDuplicates(value, labels, key, "label", context);
                    break;
                case "rollout":
                    rollout = PromptFileRollout.ReadRollout(value, context);
                    break;
                case "model":
                    PromptFileModel.ReadModel(value, ref modelId, ref contextWindow, context);
                    break;
                case "sample":
                    if (context.Map(value, key) is { } sampleMap)
                    {
                        foreach (var (k, v) in sampleMap.Children)
                        {
                            if (context.Key(k, key) is { } inputName)
                            {
                                context.Positions[key + "." + inputName] = PromptFileContext.Position(k);
                                sample[inputName] = PromptFileSchemas.ToElement(v, key + "." + inputName, context);
                                sampleNodes.Add((inputName, k));
                            }
                        }
                    }

                    break;
                case "template":
                    PromptFileModel.ReadTemplateEngine(value, context);
                    break;
                default:
                    context.Add(keyNode, key, $"unknown field '{key}'; expected one of: {string.Join(", ", TopLevelFields, 1, TopLevelFields.Length - 1)}.", "unknown-field");
                    break;
            }
        }

        if (outputSources.Count > 1)
        {
            context.AddAt(context.Positions[outputSources[1]], outputSources[1], $"declare the answer's shape once: {string.Join(", ", outputSources)} are all set.");
        }

        id ??= name;
        if (id is null)
        {
            context.AddAt(2, 1, "id", "missing: set id (or the Prompty name), such as 'support.reply'.");
        }
        else if (!IdRegex().IsMatch(id))
        {
            YamlNode where = idNode ?? nameNode!;
            string field = idNode is null ? "name" : "id";
            context.Add(where, field, idNode is null
                ? $"name '{id}' cannot serve as the contract id: set id (letters, digits, '.', '_', '-', '/'), such as 'support.reply'."
                : $"'{id}' is not a contract id (letters, digits, '.', '_', '-', '/').");
        }

        if (version is null)
        {
            context.AddAt(context.Positions.TryGetValue("version", out (int, int) at) ? at : (2, 1), "version", "missing: set the contract version, such as 1.0.0.", "version-invalid");
        }

        if (policy == ContractFailurePolicy.Fallback && fallback is null)
        {
            context.AddAt(context.Positions["on_failure"], "on_failure.fallback", "the fallback policy needs a fallback answer.");
        }

        (string template, int templateLine) = PromptFileTemplate.ReadTemplate(lines, bodyStart, context);
        texts?.Add(new PromptFileText(context.Path, template, templateLine, fallback, sample, context.Positions));
        PromptFileInputs.CheckPlaceholders(template, templateLine, inputs, context);
        foreach (var (inputName, node) in sampleNodes)
        {
            if (!inputs.Exists(i => i.Input.Name == inputName))
            {
                context.Add(node, "sample." + inputName, $"'{inputName}' is not a declared input.");
            }
        }

        if (context.HasErrors)
        {
            return null;
        }

        if (risk is not null)
        {
            tags["risk"] = risk;
        }

        var contractInputs = new List<ContractInput>(inputs.Count);
        foreach (var (input, _) in inputs)
        {
            contractInputs.Add(input);
        }

        var contract = new PromptContract
        {
            Id = id!,
            Version = version!,
            Template = template,
            Description = description,
            Inputs = contractInputs,
            OutputSchema = outputSchema,
            AllowedTools = allowedTools,
            OnFailure = policy,
            MaxReasks = maxReasks,
            FallbackResponse = fallback,
            Tags = tags,
            Owner = owner,
            MaxInputTokens = maxInputTokens,
            MaxOutputTokens = maxOutputTokens,
            DeprecatedAfter = deprecatedAfter,
            ReplacedBy = replacedBy,
        };

        foreach (string problem in contract.Validate(out _))
        {
            string field = problem.StartsWith("OutputSchema", StringComparison.Ordinal) ? outputSources[0]
                : problem.StartsWith("input", StringComparison.OrdinalIgnoreCase) ? "inputs"
                : "front matter";
            context.AddAt(context.Positions.TryGetValue(field, out (int, int) at) ? at : (2, 1), field, problem + ".", field == "front matter" ? "contract-invalid" : field == "inputs" ? "field-invalid" : "schema-invalid");
        }

        if (context.HasErrors)
        {
            return null;
        }

        return new PromptFile(context.Path, contract, context.Positions)
        {
            Name = name,
            Authors = authors,
            Risk = risk,
            OutputTypeName = outputType,
            ModelId = modelId,
            ContextWindowTokens = contextWindow,
            Labels = labels,
            Rollout = rollout,
            Sample = sample,
            TemplateLine = templateLine,
        };
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-/]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdRegex();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelRegex();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.+`\[\]]*(\s*,\s*[A-Za-z_][A-Za-z0-9_.]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ClrTypeNameRegex();
}
