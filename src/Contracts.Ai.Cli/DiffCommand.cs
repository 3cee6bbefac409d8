using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Contracts.Ai.Cli;

/// <summary><c>contracts-ai diff &lt;file|id&gt; &lt;v1&gt; &lt;v2&gt;</c>: what changed between two versions of a contract.</summary>
internal static class DiffCommand
{
    public static int Run(string fileOrId, string from, string to, string? directory, string format, TextWriter output, TextWriter error)
    {
        string id = fileOrId;
        if (File.Exists(fileOrId))
        {
            var parseErrors = new List<PromptFileError>();
            if (PromptFileParser.Parse(File.ReadAllText(fileOrId), fileOrId, parseErrors) is not { } named)
            {
                error.WriteLine($"contracts-ai diff: '{fileOrId}' is not a valid prompt file: {parseErrors[0]}");
                return ExitCodes.Failed;
            }

            id = named.Contract.Id;
            directory ??= Path.GetDirectoryName(Path.GetFullPath(fileOrId));
        }

        directory ??= Directory.GetCurrentDirectory();
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"contracts-ai diff: directory '{directory}' does not exist.");
            return ExitCodes.Usage;
        }

        PromptFolder folder = PromptFolder.Load(directory, DateTimeOffset.UtcNow);
        PromptFile? before = Find(folder, id, from, error);
        PromptFile? after = Find(folder, id, to, error);
        if (before is null || after is null)
        {
            return ExitCodes.Failed;
        }

        List<Change> changes = Compare(before, after);
        List<(char Op, string Line)> template = DiffLines(before.Contract.Template ?? string.Empty, after.Contract.Template ?? string.Empty);
        if (format == "json")
        {
            WriteJson(output, id, from, to, changes, template);
        }
        else
        {
            WriteText(output, id, from, to, changes, template);
        }

        return ExitCodes.Ok;
    }

    private static PromptFile? Find(PromptFolder folder, string id, string version, TextWriter error)
    {
        foreach (PromptFile file in folder.Files)
        {
            if (file.Contract.Id == id && file.Contract.Version == version)
            {
                return file;
            }
        }

        error.WriteLine($"contracts-ai diff: no valid prompt file in '{Paths.Display(folder.Directory)}' declares version {version} of '{id}'.");
        return null;
    }

    internal static List<Change> Compare(PromptFile before, PromptFile after)
    {
        PromptContract a = before.Contract, b = after.Contract;
        var changes = new List<Change>();
        Scalar(changes, "description", "description", a.Description, b.Description);
        Scalar(changes, "metadata", "owner", a.Owner, b.Owner);
        Scalar(changes, "metadata", "risk", before.Risk, after.Risk);
        Scalar(changes, "model", "model", before.ModelId, after.ModelId);
        Scalar(changes, "model", "context_window", Text(before.ContextWindowTokens), Text(after.ContextWindowTokens));
        Scalar(changes, "budget", "max_input_tokens", Text(a.MaxInputTokens), Text(b.MaxInputTokens));
        Scalar(changes, "budget", "max_output_tokens", Text(a.MaxOutputTokens), Text(b.MaxOutputTokens));
        Scalar(changes, "on_failure", "policy", a.OnFailure.ToString().ToLowerInvariant(), b.OnFailure.ToString().ToLowerInvariant());
        Scalar(changes, "on_failure", "max_reasks", Text(a.MaxReasks), Text(b.MaxReasks));
        Scalar(changes, "on_failure", "fallback", a.FallbackResponse, b.FallbackResponse);
        Scalar(changes, "deprecation", "deprecated_after", a.DeprecatedAfter?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), b.DeprecatedAfter?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Scalar(changes, "deprecation", "replaced_by", a.ReplacedBy, b.ReplacedBy);
        Set(changes, "labels", before.Labels, after.Labels);

        var oldInputs = new Dictionary<string, ContractInput>(StringComparer.Ordinal);
        foreach (ContractInput input in a.Inputs) { oldInputs[input.Name] = input; }
        var newInputs = new Dictionary<string, ContractInput>(StringComparer.Ordinal);
        foreach (ContractInput input in b.Inputs) { newInputs[input.Name] = input; }
        foreach (ContractInput input in a.Inputs)
        {
            if (!newInputs.TryGetValue(input.Name, out ContractInput? next))
            {
                changes.Add(new Change("inputs", "removed", input.Name, Describe(input), null));
            }
            else if (Describe(input) != Describe(next))
            {
                changes.Add(new Change("inputs", "changed", input.Name, Describe(input), Describe(next)));
            }
        }

        foreach (ContractInput input in b.Inputs)
        {
            if (!oldInputs.ContainsKey(input.Name))
            {
                changes.Add(new Change("inputs", "added", input.Name, null, Describe(input)));
            }
        }

        if (a.AllowedTools is null != (b.AllowedTools is null))
        {
            changes.Add(new Change("tools", "changed", "allowed_tools", a.AllowedTools is null ? "any tool" : string.Join(", ", a.AllowedTools), b.AllowedTools is null ? "any tool" : string.Join(", ", b.AllowedTools)));
        }
        else if (a.AllowedTools is not null && b.AllowedTools is not null)
        {
            Set(changes, "tools", (IReadOnlyList<string>)a.AllowedTools, (IReadOnlyList<string>)b.AllowedTools);
        }

        Scalar(changes, "schema", "output_type", before.OutputTypeName, after.OutputTypeName);
        var oldSchema = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var newSchema = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (a.OutputSchema is JsonElement s1) { Flatten(s1, string.Empty, oldSchema); }
        if (b.OutputSchema is JsonElement s2) { Flatten(s2, string.Empty, newSchema); }
        foreach ((string path, string value) in oldSchema)
        {
            if (!newSchema.TryGetValue(path, out string? next)) { changes.Add(new Change("schema", "removed", path, value, null)); }
            else if (next != value) { changes.Add(new Change("schema", "changed", path, value, next)); }
        }

        foreach ((string path, string value) in newSchema)
        {
            if (!oldSchema.ContainsKey(path)) { changes.Add(new Change("schema", "added", path, null, value)); }
        }

        return changes;
    }

    private static string? Text(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string Describe(ContractInput input)
    {
        var text = new StringBuilder(input.Type).Append(input.Required ? ", required" : ", optional");
        if (input.MaxLength is int max) { text.Append(", max_length ").Append(max.ToString(CultureInfo.InvariantCulture)); }
        if (input.Pattern is { } pattern) { text.Append(", pattern ").Append(pattern); }
        return text.ToString();
    }

    private static void Scalar(List<Change> changes, string section, string path, string? before, string? after)
    {
        if (before == after) { return; }
        changes.Add(new Change(section, before is null ? "added" : after is null ? "removed" : "changed", path, before, after));
    }

    private static void Set(List<Change> changes, string section, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        foreach (string item in before)
        {
            if (!Contains(after, item)) { changes.Add(new Change(section, "removed", item, item, null)); }
        }

        foreach (string item in after)
        {
            if (!Contains(before, item)) { changes.Add(new Change(section, "added", item, null, item)); }
        }
    }

    private static bool Contains(IReadOnlyList<string> list, string item)
    {
        foreach (string value in list)
        {
            if (value == item) { return true; }
        }

        return false;
    }

    /// <summary>Flattens a schema to JSON pointer -> leaf value; arrays of scalars (enum, required, type lists) stay one leaf.</summary>
    private static void Flatten(JsonElement element, string path, SortedDictionary<string, string> leaves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                bool any = false;
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    any = true;
                    Flatten(property.Value, path + "/" + property.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal), leaves);
                }

                if (!any) { leaves[path.Length == 0 ? "/" : path] = "{}"; }
                break;
            case JsonValueKind.Array:
                bool scalars = true;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    scalars &= item.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array);
                }

                if (scalars)
                {
                    leaves[path] = element.GetRawText();
                    break;
                }

                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Flatten(item, path + "/" + index.ToString(CultureInfo.InvariantCulture), leaves);
                    index++;
                }

                break;
            default:
                leaves[path.Length == 0 ? "/" : path] = element.GetRawText();
                break;
        }
    }

    /// <summary>A line diff (longest common subsequence): ' ' kept, '-' removed, '+' added.</summary>
    internal static List<(char Op, string Line)> DiffLines(string before, string after)
    {
        string[] a = before.Split('\n'), b = after.Split('\n');
        var lengths = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = a[i] == b[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var lines = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y]) { lines.Add((' ', a[x])); x++; y++; }
            else if (lengths[x + 1, y] >= lengths[x, y + 1]) { lines.Add(('-', a[x++])); }
            else { lines.Add(('+', b[y++])); }
        }

        while (x < a.Length) { lines.Add(('-', a[x++])); }
        while (y < b.Length) { lines.Add(('+', b[y++])); }
        return lines;
    }

    private static void WriteText(TextWriter output, string id, string from, string to, List<Change> changes, List<(char Op, string Line)> template)
    {
        output.WriteLine($"{id} {from} -> {to}");
        bool templateChanged = template.Exists(l => l.Op != ' ');
        if (!templateChanged && changes.Count == 0)
        {
            output.WriteLine("no differences.");
            return;
        }

        if (templateChanged)
        {
            output.WriteLine("template:");
            foreach ((char op, string line) in template)
            {
                if (op != ' ')
                {
                    output.WriteLine($"  {op} {line}");
                }
            }
        }

        string? section = null;
        foreach (Change change in changes)
        {
            if (change.Section != section)
            {
                section = change.Section;
                output.WriteLine(section + ":");
            }

            output.WriteLine(change.Kind switch
            {
                "added" => $"  + {change.Path}" + (change.After == change.Path ? string.Empty : $": {change.After}"),
                "removed" => $"  - {change.Path}" + (change.Before == change.Path ? string.Empty : $": {change.Before}"),
                _ => $"  ~ {change.Path}: {change.Before} -> {change.After}",
            });
        }
    }

    private static void WriteJson(TextWriter output, string id, string from, string to, List<Change> changes, List<(char Op, string Line)> template)
    {
        JsonOutput.Write(output, json =>
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("from", from);
            json.WriteString("to", to);
            json.WriteBoolean("templateChanged", template.Exists(l => l.Op != ' '));
            json.WriteStartArray("template");
            foreach ((char op, string line) in template)
            {
                json.WriteStartObject();
                json.WriteString("op", op == ' ' ? "keep" : op == '-' ? "remove" : "add");
                json.WriteString("line", line);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("changes");
            foreach (Change change in changes)
            {
                json.WriteStartObject();
                json.WriteString("section", change.Section);
                json.WriteString("change", change.Kind);
                json.WriteString("path", change.Path);
                json.WriteString("before", change.Before);
                json.WriteString("after", change.After);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    internal sealed record Change(string Section, string Kind, string Path, string? Before, string? After);
}
