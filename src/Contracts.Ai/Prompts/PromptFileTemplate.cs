using System;
using System.Text;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>Reads the template of a prompt file: the body after the front matter, with an optional <c>system:</c> role marker.</summary>
internal static partial class PromptFileTemplate
{
    internal static (string Template, int Line) ReadTemplate(string[] lines, int start, PromptFileContext context)
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

    [GeneratedRegex(@"^\s*(system|user|assistant):\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RoleMarkerRegex();
}
