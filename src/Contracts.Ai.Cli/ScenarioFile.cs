using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Contracts.Ai.Cli;

/// <summary>
/// A <c>*.scenarios.yaml</c> file: for one contract, scenarios of inputs, the tools offered with their
/// recorded results, the model's recorded answers, and the contract outcome expected.
/// </summary>
internal sealed class ScenarioFile
{
    public static readonly string[] Outcomes = ["passed", "reasked", "fallback", "failed"];

    /// <summary>The violation kinds <c>expect_violation</c> matches (the <c>contracts_ai.violation.kind</c> values); any other value is text a violation message must contain.</summary>
    public static readonly HashSet<string> ViolationKinds = new(StringComparer.Ordinal)
    {
        ContractViolationKinds.InputMissing, ContractViolationKinds.InputUnknown, ContractViolationKinds.InputType,
        ContractViolationKinds.InputLength, ContractViolationKinds.InputPattern, ContractViolationKinds.ToolNotAllowed,
        ContractViolationKinds.OutputNotJson, ContractViolationKinds.OutputTruncated, ContractViolationKinds.OutputEchoedSchema,
        ContractViolationKinds.OutputSchema, ContractViolationKinds.OutputType, ContractViolationKinds.OutputValidator,
    };

    private static readonly string[] FileFields = ["prompt", "version", "scenarios"];
    private static readonly string[] ScenarioFields = ["name", "version", "message", "inputs", "tools", "answers", "expect", "expect_violation", "streaming"];
    private static readonly string[] AnswerFields = ["text", "call", "arguments"];

    public required string Path { get; init; }

    public required string PromptId { get; init; }

    public string? Version { get; init; }

    public List<Scenario> Scenarios { get; } = new();

    public static ScenarioFile? Parse(string path, List<Diagnostic> diagnostics)
    {
        var reader = new Reader(path, diagnostics);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(path)));
        }
        catch (YamlException ex)
        {
            reader.AddAt((int)ex.Start.Line, (int)ex.Start.Column, "scenarios", "invalid YAML: " + ex.Message);
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            reader.AddAt(1, 1, "scenarios", "a scenario file is a mapping with prompt, optional version, and scenarios.");
            return null;
        }

        string? prompt = null, version = null;
        YamlSequenceNode? list = null;
        foreach ((string key, YamlNode value) in reader.Fields(root, string.Empty, FileFields))
        {
            switch (key)
            {
                case "prompt": prompt = reader.Text(value, key); break;
                case "version": version = reader.Text(value, key); break;
                default: list = value as YamlSequenceNode ?? reader.Fail<YamlSequenceNode>(value, key, "expected a list of scenarios."); break;
            }
        }

        if (prompt is null)
        {
            reader.AddAt(1, 1, "prompt", "missing: name the contract id the scenarios run, such as 'support.reply'.");
            return null;
        }

        var file = new ScenarioFile { Path = path, PromptId = prompt, Version = version };
        if (list is null)
        {
            reader.AddAt(1, 1, "scenarios", "missing: list at least one scenario.");
            return null;
        }

        for (int i = 0; i < list.Children.Count; i++)
        {
            if (ReadScenario(list.Children[i], $"scenarios[{i}]", reader) is { } scenario)
            {
                file.Scenarios.Add(scenario);
            }
        }

        return reader.Failed ? null : file;
    }

    private static Scenario? ReadScenario(YamlNode node, string field, Reader reader)
    {
        if (node is not YamlMappingNode map)
        {
            reader.Add(node, field, "expected a scenario (a mapping with name, inputs, answers, expect).");
            return null;
        }

        var scenario = new Scenario { Line = (int)node.Start.Line };
        foreach ((string key, YamlNode value) in reader.Fields(map, field, ScenarioFields))
        {
            string inner = field + "." + key;
            switch (key)
            {
                case "name":
                    scenario.Name = reader.Text(value, inner) ?? scenario.Name;
                    break;
                case "version":
                    scenario.Version = reader.Text(value, inner);
                    break;
                case "message":
                    scenario.Message = reader.Text(value, inner) ?? scenario.Message;
                    break;
                case "inputs":
                    if (reader.Map(value, inner) is { } inputs)
                    {
                        foreach (var (k, v) in inputs.Children)
                        {
                            if (reader.Key(k, inner) is { } name)
                            {
                                scenario.Inputs[name] = reader.Json(v, inner);
                            }
                        }
                    }

                    break;
                case "tools":
                    if (reader.Map(value, inner) is { } tools)
                    {
                        foreach (var (k, v) in tools.Children)
                        {
                            if (reader.Key(k, inner) is { } name)
                            {
                                scenario.Tools[name] = reader.Json(v, inner);
                            }
                        }
                    }

                    break;
                case "answers":
                    if (value is not YamlSequenceNode answers)
                    {
                        reader.Add(value, inner, "expected a list of the model's answers.");
                        break;
                    }

                    foreach (YamlNode answer in answers.Children)
                    {
                        if (ReadAnswer(answer, inner, reader) is { } read)
                        {
                            scenario.Answers.Add(read);
                        }
                    }

                    break;
                case "expect":
                    scenario.Expect = reader.Text(value, inner) ?? scenario.Expect;
                    if (Array.IndexOf(Outcomes, scenario.Expect) < 0)
                    {
                        reader.Add(value, inner, $"'{scenario.Expect}' is not an outcome; expected one of: {string.Join(", ", Outcomes)}.");
                    }

                    break;
                case "expect_violation":
                    scenario.ExpectViolation = reader.Text(value, inner);
                    break;
                default:
                    scenario.Streaming = reader.Text(value, inner) == "true";
                    break;
            }
        }

        if (scenario.Answers.Count == 0)
        {
            reader.Add(node, field + ".answers", "missing: record at least one model answer.");
        }

        return scenario;
    }

    private static ScenarioAnswer? ReadAnswer(YamlNode node, string field, Reader reader)
    {
        if (node is YamlScalarNode scalar)
        {
            return new ScenarioAnswer(scalar.Value ?? string.Empty, null, null);
        }

        if (node is not YamlMappingNode map)
        {
            reader.Add(node, field, "an answer is text, or a mapping with text, or call and arguments.");
            return null;
        }

        string? text = null, call = null;
        JsonNode? arguments = null;
        foreach ((string key, YamlNode value) in reader.Fields(map, field, AnswerFields))
        {
            switch (key)
            {
                case "text": text = reader.Text(value, field + ".text"); break;
                case "call": call = reader.Text(value, field + ".call"); break;
                default: arguments = reader.Json(value, field + ".arguments"); break;
            }
        }

        if ((text is null) == (call is null))
        {
            reader.Add(node, field, "an answer has either text or a tool call.");
            return null;
        }

        return new ScenarioAnswer(text, call, arguments as JsonObject);
    }

    private sealed class Reader(string path, List<Diagnostic> diagnostics)
    {
        public bool Failed { get; private set; }

        public void Add(YamlNode node, string field, string message) => AddAt((int)node.Start.Line, (int)node.Start.Column, field, message);

        public void AddAt(int line, int column, string field, string message)
        {
            Failed = true;
            diagnostics.Add(new Diagnostic(Diagnostic.Error, "scenario-invalid", Paths.Display(path), line, column, field, message));
        }

        public T? Fail<T>(YamlNode node, string field, string message)
            where T : class
        {
            Add(node, field, message);
            return null;
        }

        public IEnumerable<(string Key, YamlNode Value)> Fields(YamlMappingNode map, string parent, string[] allowed)
        {
            foreach (var (keyNode, value) in map.Children)
            {
                string key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                string field = parent.Length == 0 ? key : parent + "." + key;
                if (Array.IndexOf(allowed, key) < 0)
                {
                    Add(keyNode, field, $"unknown field '{key}'; expected one of: {string.Join(", ", allowed)}.");
                    continue;
                }

                yield return (key, value);
            }
        }

        public string? Key(YamlNode node, string field) =>
            node is YamlScalarNode { Value: { Length: > 0 } key } ? key : Fail<string>(node, field, "keys must be plain text.");

        public YamlMappingNode? Map(YamlNode node, string field) =>
            node as YamlMappingNode ?? Fail<YamlMappingNode>(node, field, "expected a mapping (name: value).");

        public string? Text(YamlNode node, string field) =>
            node is YamlScalarNode scalar ? scalar.Value : Fail<string>(node, field, "expected a single value.");

        public JsonNode? Json(YamlNode node, string field) =>
            YamlJson.ToJson(node, (n, message) => Add(n, field, message));
    }
}

internal sealed class Scenario
{
    public string Name { get; set; } = "scenario";

    public int Line { get; set; }

    public string? Version { get; set; }

    public string Message { get; set; } = "Hello.";

    public Dictionary<string, JsonNode?> Inputs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonNode?> Tools { get; } = new(StringComparer.Ordinal);

    public List<ScenarioAnswer> Answers { get; } = new();

    public string Expect { get; set; } = "passed";

    public string? ExpectViolation { get; set; }

    public bool Streaming { get; set; }
}

internal sealed record ScenarioAnswer(string? Text, string? Call, JsonObject? Arguments);
