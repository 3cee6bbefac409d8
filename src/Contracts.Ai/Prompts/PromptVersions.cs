using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>Semantic version checks for prompt files.</summary>
internal static partial class PromptVersions
{
    public static bool IsValid(string? text) => text is { Length: > 0 and <= 256 } && SemVerRegex().IsMatch(text);

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex SemVerRegex();
}
