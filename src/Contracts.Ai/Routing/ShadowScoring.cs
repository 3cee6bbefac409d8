using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Scores a shadow answer: the tool calls it makes (offered, well-formed, valid arguments) and its agreement with the primary answer.</summary>
internal static class ShadowScoring
{
    /// <summary>Checks every tool call of a shadow answer against the tools the request offered; returns the problems, or <see langword="null"/>.</summary>
    /// <remarks>The contract's allow-list is checked by the contract stage before this; here: the tool exists, the arguments parsed, and they meet the tool's parameter schema.</remarks>
    public static List<string>? CheckToolCalls(ChatResponse response, IList<AITool>? offered)
    {
        List<string>? problems = null;
        foreach (ChatMessage message in response.Messages)
        {
            foreach (AIContent content in message.Contents)
            {
                if (content is not FunctionCallContent call)
                {
                    continue;
                }

                if (string.IsNullOrWhiteSpace(call.Name))
                {
                    (problems ??= new List<string>()).Add("a tool call has no tool name");
                    continue;
                }

                if (call.Exception is not null)
                {
                    (problems ??= new List<string>()).Add($"tool call '{call.Name}': the arguments are not a JSON object");
                    continue;
                }

                AIFunction? function = Find(offered, call.Name, out bool declared);
                if (!declared)
                {
                    (problems ??= new List<string>()).Add($"the answer called tool '{call.Name}', which the request did not offer");
                    continue;
                }

                if (function is null)
                {
                    continue;
                }

                List<ToolViolation>? violations;
                try
                {
                    bool rejectUnknown = function is not GovernedAIFunction governed || governed.Runtime.RejectUnknownArguments;
                    violations = ToolArgumentValidator.For(function).Validate(new AIFunctionArguments(call.Arguments), function.JsonSerializerOptions, rejectUnknown);
                }
                catch (ArgumentException)
                {
                    violations = null;
                }

                if (violations is not null)
                {
                    foreach (ToolViolation violation in violations)
                    {
                        (problems ??= new List<string>()).Add($"tool call '{call.Name}': {violation}");
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>The agreement of two answers, from 0 to 1; <see langword="null"/> when either is missing.</summary>
    public static double? Agreement(ChatResponse? primary, ChatResponse? shadow)
    {
        if (primary is null || shadow is null)
        {
            return null;
        }

        List<FunctionCallContent>? shadowCalls = FirstToolCalls(shadow);
        if (shadowCalls is not null)
        {
            // A shadow offered declarations only stops at its first tool calls: compare them with the primary's first ones.
            List<FunctionCallContent>? primaryCalls = FirstToolCalls(primary);
            return primaryCalls is null ? 0 : CallAgreement(primaryCalls, shadowCalls);
        }

        string a = primary.Text, b = shadow.Text;
        if (TryParse(a, out JsonDocument? left) && TryParse(b, out JsonDocument? right))
        {
            using (left)
            using (right)
            {
                (int matched, int total) = Compare(left.RootElement, right.RootElement, depth: 0);
                return total == 0 ? 1 : matched / (double)total;
            }
        }

        return string.Equals(a.Trim(), b.Trim(), StringComparison.Ordinal) ? 1 : 0;
    }

    private static AIFunction? Find(IList<AITool>? offered, string name, out bool declared)
    {
        declared = false;
        if (offered is null)
        {
            return null;
        }

        foreach (AITool tool in offered)
        {
            if (string.Equals(tool.Name, name, StringComparison.Ordinal))
            {
                declared = true;
                return tool as AIFunction;
            }
        }

        return null;
    }

    private static List<FunctionCallContent>? FirstToolCalls(ChatResponse response)
    {
        foreach (ChatMessage message in response.Messages)
        {
            List<FunctionCallContent>? calls = null;
            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    (calls ??= new List<FunctionCallContent>()).Add(call);
                }
            }

            if (calls is not null)
            {
                return calls;
            }
        }

        return null;
    }

    private static double CallAgreement(List<FunctionCallContent> primary, List<FunctionCallContent> shadow)
    {
        var unmatched = new List<FunctionCallContent>(primary);
        int matched = 0;
        foreach (FunctionCallContent call in shadow)
        {
            for (int i = 0; i < unmatched.Count; i++)
            {
                if (string.Equals(unmatched[i].Name, call.Name, StringComparison.Ordinal) && SameArguments(unmatched[i].Arguments, call.Arguments))
                {
                    matched++;
                    unmatched.RemoveAt(i);
                    break;
                }
            }
        }

        return matched / (double)Math.Max(primary.Count, shadow.Count);
    }

    private static bool SameArguments(IDictionary<string, object?>? a, IDictionary<string, object?>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        if (a is null || b is null)
        {
            return true;
        }

        foreach (KeyValuePair<string, object?> argument in a)
        {
            if (!b.TryGetValue(argument.Key, out object? other) || !SameValue(argument.Value, other))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameValue(object? a, object? b)
    {
        if (a is JsonElement left && b is JsonElement right)
        {
            (int matched, int total) = Compare(left, right, depth: 0);
            return matched == total;
        }

        return Equals(a, b) || string.Equals(Text(a), Text(b), StringComparison.Ordinal);
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText(),
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static bool TryParse(string text, [NotNullWhen(true)] out JsonDocument? document)
    {
        document = null;
        string trimmed = text.Trim();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return false;
        }

        try
        {
            document = JsonDocument.Parse(trimmed, new JsonDocumentOptions { MaxDepth = 64 });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Counts the leaf values two JSON values share, over the union of their leaves.</summary>
    private static (int Matched, int Total) Compare(JsonElement a, JsonElement b, int depth)
    {
        if (depth > 64)
        {
            return (0, 1);
        }

        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            int matched = 0, total = 0;
            foreach (JsonProperty property in a.EnumerateObject())
            {
                if (b.TryGetProperty(property.Name, out JsonElement other))
                {
                    (int m, int t) = Compare(property.Value, other, depth + 1);
                    matched += m;
                    total += t;
                }
                else
                {
                    total += Leaves(property.Value, depth + 1);
                }
            }

            foreach (JsonProperty property in b.EnumerateObject())
            {
                if (!a.TryGetProperty(property.Name, out _))
                {
                    total += Leaves(property.Value, depth + 1);
                }
            }

            return (matched, total);
        }

        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array)
        {
            int matched = 0, total = 0, la = a.GetArrayLength(), lb = b.GetArrayLength();
            for (int i = 0; i < Math.Max(la, lb); i++)
            {
                if (i < la && i < lb)
                {
                    (int m, int t) = Compare(a[i], b[i], depth + 1);
                    matched += m;
                    total += t;
                }
                else
                {
                    total += Leaves(i < la ? a[i] : b[i], depth + 1);
                }
            }

            return (matched, Math.Max(total, 1));
        }

        return (LeafEquals(a, b) ? 1 : 0, 1);
    }

    private static int Leaves(JsonElement element, int depth)
    {
        if (depth > 64)
        {
            return 1;
        }

        int count = 0;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    count += Leaves(property.Value, depth + 1);
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    count += Leaves(item, depth + 1);
                }

                break;
            default:
                return 1;
        }

        return Math.Max(count, 1);
    }

    private static bool LeafEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        return a.ValueKind switch
        {
            JsonValueKind.Number => a.TryGetDouble(out double x) && b.TryGetDouble(out double y) ? x.Equals(y) : a.GetRawText() == b.GetRawText(),
            JsonValueKind.String => string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal),
            JsonValueKind.Object or JsonValueKind.Array => false,
            _ => true,
        };
    }
}
