using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>A <c>{{name}}</c> placeholder in a template, with where it is in the file.</summary>
internal readonly partial record struct PromptPlaceholder(string Name, int Line, int Column)
{
    /// <summary>Finds every placeholder in <paramref name="template"/>, whose first line is line <paramref name="firstLine"/> of the file.</summary>
    public static List<PromptPlaceholder> FindAll(string template, int firstLine)
    {
        var found = new List<PromptPlaceholder>();
        int line = firstLine;
        int lineStart = 0;
        int scanned = 0;
        foreach (Match match in PlaceholderRegex().Matches(template))
        {
            for (; scanned < match.Index; scanned++)
            {
                if (template[scanned] == '\n')
                {
                    line++;
                    lineStart = scanned + 1;
                }
            }

            found.Add(new PromptPlaceholder(match.Groups[1].Value, line, match.Index - lineStart + 1));
        }

        return found;
    }

    [GeneratedRegex(@"\{\{\s*([^{}]*?)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderRegex();
}
