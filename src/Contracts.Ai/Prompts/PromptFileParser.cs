using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
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

    private static readonly string[] InputFields = ["type", "required", "max_length", "pattern", "description", "sample"];
    private static readonly string[] InputTypes = ["string", "number", "integer", "boolean", "object", "array"];
    private static readonly string[] RiskLevels = ["low", "medium", "high", "critical"];
    private static readonly string[] OnFailureFields = ["policy", "max_reasks", "fallback"];
    private static readonly string[] BudgetFields = ["max_input_tokens", "max_output_tokens"];
    private static readonly string[] DeprecationFields = ["deprecated_after", "replaced_by"];
    private static readonly string[] RolloutFields = ["label", "weights", "shadow"];
    private static readonly string[] ModelFields = ["id", "api", "context_window", "configuration", "parameters", "response"];
    private static readonly string[] TemplateFields = ["format", "parser"];

    public static PromptFile? Parse(string text, string path, List<PromptFileError> errors) => Parse(text, path, errors, texts: null);

    /// <summary>Parses a prompt file; <paramref name="texts"/>, when given, receives the file's verbatim text (template, fallback, samples) even when the file has errors.</summary>
    public static PromptFile? Parse(string text, string path, List<PromptFileError> errors, List<PromptFileText>? texts)
    {
        var context = new Context(path, errors);
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

    private static YamlMappingNode? LoadFrontMatter(string yaml, Context context)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            context.AddAt(ex.Start.Line + Context.FrontMatterLineOffset, (int)ex.Start.Column, "front matter", "invalid YAML: " + ex.Message, "yaml-syntax");
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

    private static PromptFile? Build(YamlMappingNode root, string[] lines, int bodyStart, Context context, List<PromptFileText>? texts)
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

            context.Positions[key] = Context.Position(keyNode);
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
                    ReadTags(value, tags, context);
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
                    ReadInputs(value, inputs, context);
                    break;
                case "outputs":
                    outputSources.Add(key);
                    outputSchema = ReadPromptyOutputs(value, context);
                    break;
                case "output_schema":
                    outputSources.Add(key);
                    outputSchema = ReadSchema(value, key, context);
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
                    CheckDuplicates(value, allowedTools, key, "tool", context);
                    break;
                case "on_failure":
                    ReadOnFailure(value, ref policy, ref maxReasks, ref fallback, context);
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

                    CheckDuplicates(value, labels, key, "label", context);
                    break;
                case "rollout":
                    rollout = ReadRollout(value, context);
                    break;
                case "model":
                    ReadModel(value, ref modelId, ref contextWindow, context);
                    break;
                case "sample":
                    if (context.Map(value, key) is { } sampleMap)
                    {
                        foreach (var (k, v) in sampleMap.Children)
                        {
                            if (context.Key(k, key) is { } inputName)
                            {
                                context.Positions[key + "." + inputName] = Context.Position(k);
                                sample[inputName] = ToElement(v, key + "." + inputName, context);
                                sampleNodes.Add((inputName, k));
                            }
                        }
                    }

                    break;
                case "template":
                    ReadTemplateEngine(value, context);
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

        (string template, int templateLine) = ReadTemplate(lines, bodyStart, context);
        texts?.Add(new PromptFileText(context.Path, template, templateLine, fallback, sample, context.Positions));
        CheckPlaceholders(template, templateLine, inputs, context);
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

    private static void ReadTags(YamlNode value, Dictionary<string, string> tags, Context context)
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

    private static void ReadInputs(YamlNode value, List<(ContractInput, YamlNode)> inputs, Context context)
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
            context.Positions[field] = Context.Position(keyNode);
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

    private static void CheckInputType(YamlNode node, string field, string type, Context context)
    {
        if (Array.IndexOf(InputTypes, type) < 0)
        {
            context.Add(node, field, $"'{type}' is not an input type; expected one of: {string.Join(", ", InputTypes)}.");
        }
    }

    private static JsonElement? ReadPromptyOutputs(YamlNode value, Context context)
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

    private static JsonElement? ReadSchema(YamlNode value, string field, Context context)
    {
        if (context.Map(value, field) is null)
        {
            return null;
        }

        JsonNode? schema = YamlJson.ToJson(value, (node, message) => context.Add(node, field, message));
        return CheckSchema(schema, value, field, context, prefix: string.Empty);
    }

    private static JsonElement? CheckSchema(JsonNode? schema, YamlNode yaml, string field, Context context, string prefix)
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

    private static YamlNode? FindNode(YamlNode root, string pointer, string prefix)
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

    private static void ReadOnFailure(YamlNode value, ref ContractFailurePolicy policy, ref int maxReasks, ref string? fallback, Context context)
    {
        if (value is YamlScalarNode)
        {
            policy = ParsePolicy(value, "on_failure", context);
            return;
        }

        if (context.Map(value, "on_failure") is not { } map)
        {
            return;
        }

        bool reasksSet = false;
        foreach (var (k, v) in context.Fields(map, "on_failure", OnFailureFields))
        {
            string field = "on_failure." + k;
            switch (k)
            {
                case "policy":
                    policy = ParsePolicy(v, field, context);
                    break;
                case "max_reasks":
                    maxReasks = context.Int(v, field, 0, 10) ?? maxReasks;
                    reasksSet = true;
                    break;
                default:
                    fallback = context.Text(v, field);
                    break;
            }
        }

        if (reasksSet && policy != ContractFailurePolicy.Reask)
        {
            context.AddAt(context.Positions["on_failure"], "on_failure.max_reasks", "max_reasks applies only to the reask policy.");
        }
    }

    private static ContractFailurePolicy ParsePolicy(YamlNode value, string field, Context context)
    {
        switch (context.Text(value, field))
        {
            case null or "throw":
                return ContractFailurePolicy.Throw;
            case "reask":
                return ContractFailurePolicy.Reask;
            case "fallback":
                return ContractFailurePolicy.Fallback;
            case var other:
                context.Add(value, field, $"'{other}' is not an on-failure policy; expected throw, reask or fallback.");
                return ContractFailurePolicy.Throw;
        }
    }

    private static PromptRollout? ReadRollout(YamlNode value, Context context)
    {
        if (context.Map(value, "rollout") is not { } map)
        {
            return null;
        }

        string label = "production";
        string? shadow = null;
        var weights = new List<KeyValuePair<string, double>>();
        bool hasWeights = false;
        foreach (var (k, v) in context.Fields(map, "rollout", RolloutFields))
        {
            string field = "rollout." + k;
            switch (k)
            {
                case "label":
                    label = context.Text(v, field) ?? label;
                    break;
                case "shadow":
                    shadow = context.Version(v, field);
                    break;
                default:
                    hasWeights = true;
                    if (context.Map(v, field) is not { } weightMap)
                    {
                        break;
                    }

                    double total = 0;
                    foreach (var (versionNode, weightNode) in weightMap.Children)
                    {
                        if (context.Key(versionNode, field) is not { } version)
                        {
                            continue;
                        }

                        string weightField = field + "." + version;
                        context.Positions[weightField] = Context.Position(versionNode);
                        if (!SemanticVersion.TryParse(version, out _))
                        {
                            context.Add(versionNode, weightField, $"'{version}' is not a semantic version.", "version-invalid");
                            continue;
                        }

                        if (context.Number(weightNode, weightField) is double weight)
                        {
                            if (weight < 0)
                            {
                                context.Add(weightNode, weightField, "a weight must be 0 or more.");
                            }
                            else
                            {
                                total += weight;
                                weights.Add(new KeyValuePair<string, double>(version, weight));
                            }
                        }
                    }

                    if (weightMap.Children.Count > 0 && total <= 0)
                    {
                        context.Add(v, field, "the weights must add up to more than 0.");
                    }

                    break;
            }
        }

        if (!hasWeights)
        {
            context.Add(map, "rollout.weights", "missing: list each version's weight, such as '1.0.0: 90' and '1.1.0: 10'.");
        }

        return new PromptRollout { Label = label, Weights = weights, ShadowVersion = shadow };
    }

    private static void ReadModel(YamlNode value, ref string? modelId, ref int? contextWindow, Context context)
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

    private static void ReadTemplateEngine(YamlNode value, Context context)
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

    private static (string Template, int Line) ReadTemplate(string[] lines, int start, Context context)
    {
        int first = start;
        while (first < lines.Length && lines[first].Trim().Length == 0)
        {
            first++;
        }

        if (first < lines.Length && RoleMarkerRegex().Match(lines[first]) is { Success: true } marker && marker.Groups[1].Value == "system")
        {
            first++;
            while (first < lines.Length && lines[first].Trim().Length == 0)
            {
                first++;
            }
        }

        int last = lines.Length - 1;
        while (last >= first && lines[last].Trim().Length == 0)
        {
            last--;
        }

        var text = new StringBuilder();
        for (int i = first; i <= last; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (RoleMarkerRegex().Match(line) is { Success: true } role)
            {
                context.AddAt(i + 1, 1, "template", $"role section '{role.Groups[1].Value}:' is not supported: the template is the system prompt, and the conversation comes from the caller.", "template-invalid");
            }

            if (i > first)
            {
                text.Append('\n');
            }

            text.Append(line);
        }

        if (text.Length == 0)
        {
            context.AddAt(Math.Min(start + 1, lines.Length), 1, "template", "the template is empty: write the system prompt after the closing '---'.", "template-invalid");
        }

        return (text.ToString(), first + 1);
    }

    private static void CheckPlaceholders(string template, int templateLine, List<(ContractInput Input, YamlNode Node)> inputs, Context context)
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

    private static void CheckDuplicates(YamlNode node, List<string> values, string field, string what, Context context)
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

    private static JsonElement ToElement(YamlNode node, string field, Context context)
    {
        JsonNode? json = YamlJson.ToJson(node, (n, message) => context.Add(n, field, message));
        using JsonDocument document = JsonDocument.Parse(json?.ToJsonString() ?? "null");
        return document.RootElement.Clone();
    }

    private static bool IsRegex(string pattern)
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

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-/]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdRegex();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelRegex();

    [GeneratedRegex(@"^\s*(system|user|assistant):\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RoleMarkerRegex();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.+`\[\]]*(\s*,\s*[A-Za-z_][A-Za-z0-9_.]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ClrTypeNameRegex();

    /// <summary>Collects the problems of one file and where each field is.</summary>
    private sealed class Context(string path, List<PromptFileError> errors)
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
}
