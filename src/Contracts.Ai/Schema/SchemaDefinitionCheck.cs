using System;
using System.Collections.Generic;
using System.Text.Json;
using Json.Schema;

namespace Contracts.Ai;

/// <summary>Checks a schema document against the JSON Schema draft 2020-12 meta-schema and reports every place it breaks it.</summary>
/// <remarks>Shared by prompt-file linting and contract registration, so both report the same problems.</remarks>
internal static class SchemaDefinitionCheck
{
    /// <summary>Returns each failing location (a JSON pointer into the schema, <c>""</c> for the root) with its messages, in pointer order; empty when the schema is valid.</summary>
    public static SortedDictionary<string, List<string>> Find(JsonElement schema)
    {
        var byLocation = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        EvaluationResults results = MetaSchemas.Draft202012.Evaluate(schema, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (!results.IsValid)
        {
            // Only failures on the path that decides validity: a failed branch of an anyOf that passed is not an error.
            Collect(results, byLocation);
            if (byLocation.Count == 0)
            {
                byLocation[string.Empty] = new List<string> { "not a valid JSON Schema (draft 2020-12)" };
            }
        }

        return byLocation;
    }

    /// <summary>Formats a pointer for messages: <c>/</c> for the root.</summary>
    public static string Display(string pointer) => pointer.Length == 0 ? "/" : pointer;

    private static void Collect(EvaluationResults node, SortedDictionary<string, List<string>> byLocation)
    {
        if (node.IsValid)
        {
            return;
        }

        if (node.Errors is not null)
        {
            string pointer = node.InstanceLocation.ToString();
            if (!byLocation.TryGetValue(pointer, out List<string>? messages))
            {
                byLocation[pointer] = messages = new List<string>();
            }

            foreach (KeyValuePair<string, string> error in node.Errors)
            {
                if (!messages.Contains(error.Value))
                {
                    messages.Add(error.Value);
                }
            }
        }

        if (node.Details is not null)
        {
            foreach (EvaluationResults child in node.Details)
            {
                Collect(child, byLocation);
            }
        }
    }
}
