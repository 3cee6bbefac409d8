using System;

namespace Contracts.Ai;

/// <summary>
/// The context windows of known OpenAI models, in tokens (the input limit where the provider caps input below the
/// window: gpt-5 has a 400,000-token window of which at most 272,000 may be input). The one table of the library:
/// the budgeting stage and the CLI's lint both read it.
/// </summary>
internal static class KnownContextWindows
{
    // Longest prefix first: "gpt-4o" before "gpt-4", "o1-mini" before "o1".
    private static readonly (string Prefix, int Tokens)[] Windows =
    [
        ("gpt-4.1", 1_047_576),
        ("gpt-4.5", 128_000),
        ("gpt-4o", 128_000),
        ("chatgpt-4o", 128_000),
        ("gpt-4-turbo", 128_000),
        ("gpt-4-0125", 128_000),
        ("gpt-4-1106", 128_000),
        ("gpt-4-32k", 32_768),
        ("gpt-4", 8_192),
        ("gpt-5", 272_000),
        ("gpt-3.5-turbo", 16_385),
        ("gpt-35-turbo", 16_385),
        ("o1-mini", 128_000),
        ("o1-preview", 128_000),
        ("o1", 200_000),
        ("o3", 200_000),
        ("o4-mini", 200_000),
    ];

    public static int? Find(string modelId)
    {
        ReadOnlySpan<char> id = modelId.AsSpan().Trim();
        if (id.StartsWith("ft:", StringComparison.OrdinalIgnoreCase))
        {
            id = id[3..];
        }

        int slash = id.LastIndexOf('/');
        if (slash >= 0)
        {
            id = id[(slash + 1)..];
        }

        foreach ((string prefix, int tokens) in Windows)
        {
            if (id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) &&
                (id.Length == prefix.Length || !char.IsAsciiDigit(id[prefix.Length]) || prefix[^1] == '-'))
            {
                return tokens;
            }
        }

        return null;
    }
}
