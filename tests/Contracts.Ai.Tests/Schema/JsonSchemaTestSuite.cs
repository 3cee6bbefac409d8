using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Contracts.Ai.Tests.Schema;

/// <summary>Reads the official JSON-Schema-Test-Suite (draft 2020-12) from the repository's <c>tests/data</c> folder.</summary>
internal static class JsonSchemaTestSuite
{
    private const string SuiteFolder = "json-schema-test-suite/draft2020-12";

    /// <summary>One schema of a suite file with its test cases.</summary>
    internal sealed record Group(string File, string Description, JsonElement Schema, IReadOnlyList<Case> Cases);

    /// <summary>One instance with the verdict the suite expects.</summary>
    internal sealed record Case(string Description, JsonElement Data, bool Valid);

    /// <summary>
    /// The suite folder: <c>$CONTRACTS_AI_DATA/json-schema-test-suite/draft2020-12</c>, else the repository's
    /// <c>tests/data/json-schema-test-suite/draft2020-12</c>, found walking up from the test binaries.
    /// </summary>
    public static string Directory { get; } = Locate();

    public static IReadOnlyList<Group> Load(string fileName)
    {
        string path = Path.Combine(Directory, fileName);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        List<Group> groups = [];
        foreach (JsonElement group in document.RootElement.EnumerateArray())
        {
            List<Case> cases = [];
            foreach (JsonElement test in group.GetProperty("tests").EnumerateArray())
            {
                cases.Add(new Case(test.GetProperty("description").GetString()!, test.GetProperty("data").Clone(), test.GetProperty("valid").GetBoolean()));
            }

            groups.Add(new Group(fileName, group.GetProperty("description").GetString()!, group.GetProperty("schema").Clone(), cases));
        }

        return groups;
    }

    public static IEnumerable<string> AllFiles()
    {
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            yield return Path.GetFileName(path);
        }
    }

    private static string Locate()
    {
        string? data = global::Contracts.Ai.Evaluation.ScreeningEvaluation.FindDataFolder(AppContext.BaseDirectory);
        string? candidate = data is null ? null : Path.Combine(data, SuiteFolder);
        return candidate is not null && System.IO.Directory.Exists(candidate)
            ? candidate
            : throw new DirectoryNotFoundException(
                "The JSON-Schema-Test-Suite was not found: set CONTRACTS_AI_DATA to the data folder holding " + SuiteFolder +
                " (the repository carries it in tests/data; is the checkout complete?).");
    }
}
