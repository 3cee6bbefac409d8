using System;

namespace Contracts.Ai.Cli;

/// <summary>Context windows of well-known models, in tokens, for lint when a file does not declare <c>model.context_window</c>.</summary>
internal static class ModelWindows
{
    // Longest prefix first: "gpt-4o" must win over "gpt-4", "gpt-4.1" over "gpt-4".
    private static readonly (string Prefix, int Tokens)[] Known =
    [
        ("gpt-4.1", 1_047_576),
        ("gpt-4o", 128_000),
        ("chatgpt-4o", 128_000),
        ("gpt-4-turbo", 128_000),
        ("gpt-4.5", 128_000),
        ("gpt-4-32k", 32_768),
        ("gpt-4", 8_192),
        ("gpt-35-turbo", 16_385),
        ("gpt-3.5-turbo", 16_385),
        ("gpt-5", 400_000),
        ("o1-mini", 128_000),
        ("o1", 200_000),
        ("o3", 200_000),
        ("o4-mini", 200_000),
    ];

    public static int? Find(string? modelId)
    {
        if (string.IsNullOrWhiteSpace(modelId))
        {
            return null;
        }

        string id = modelId.Trim();
        if (id.StartsWith("ft:", StringComparison.OrdinalIgnoreCase))
        {
            id = id[3..];
        }

        foreach ((string prefix, int tokens) in Known)
        {
            if (id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return tokens;
            }
        }

        return null;
    }
}
