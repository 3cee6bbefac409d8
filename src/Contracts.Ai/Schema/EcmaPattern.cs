using System;
using System.Collections.Generic;
using System.Text;

namespace Contracts.Ai;

/// <summary>
/// Adapts ECMA-262 regular expression syntax, which JSON Schema patterns use, to .NET's where they differ:
/// Unicode property escapes with long General_Category names (<c>\p{Letter}</c>) become .NET's short names.
/// </summary>
internal static class EcmaPattern
{
    private static readonly Dictionary<string, string> Categories = new(StringComparer.Ordinal)
    {
        ["Letter"] = "L", ["Uppercase_Letter"] = "Lu", ["Lowercase_Letter"] = "Ll", ["Titlecase_Letter"] = "Lt",
        ["Modifier_Letter"] = "Lm", ["Other_Letter"] = "Lo", ["Mark"] = "M", ["Combining_Mark"] = "M",
        ["Nonspacing_Mark"] = "Mn", ["Spacing_Mark"] = "Mc", ["Enclosing_Mark"] = "Me", ["Number"] = "N",
        ["Decimal_Number"] = "Nd", ["digit"] = "Nd", ["Letter_Number"] = "Nl", ["Other_Number"] = "No",
        ["Punctuation"] = "P", ["punct"] = "P", ["Connector_Punctuation"] = "Pc", ["Dash_Punctuation"] = "Pd",
        ["Open_Punctuation"] = "Ps", ["Close_Punctuation"] = "Pe", ["Initial_Punctuation"] = "Pi",
        ["Final_Punctuation"] = "Pf", ["Other_Punctuation"] = "Po", ["Symbol"] = "S", ["Math_Symbol"] = "Sm",
        ["Currency_Symbol"] = "Sc", ["Modifier_Symbol"] = "Sk", ["Other_Symbol"] = "So", ["Separator"] = "Z",
        ["Space_Separator"] = "Zs", ["Line_Separator"] = "Zl", ["Paragraph_Separator"] = "Zp", ["Other"] = "C",
        ["Control"] = "Cc", ["cntrl"] = "Cc", ["Format"] = "Cf", ["Surrogate"] = "Cs", ["Private_Use"] = "Co",
        ["Unassigned"] = "Cn",
    };

    /// <summary>Returns the pattern in .NET syntax, and whether it uses Unicode property escapes.</summary>
    public static string Translate(string pattern, out bool usesUnicodeProperties)
    {
        usesUnicodeProperties = false;
        if (!pattern.Contains("\\p{", StringComparison.Ordinal) && !pattern.Contains("\\P{", StringComparison.Ordinal))
        {
            return pattern;
        }

        StringBuilder result = new(pattern.Length);
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c != '\\' || i + 1 >= pattern.Length)
            {
                result.Append(c);
                continue;
            }

            char next = pattern[i + 1];
            int close = pattern.IndexOf('}', i);
            if ((next == 'p' || next == 'P') && i + 2 < pattern.Length && pattern[i + 2] == '{' && close > 0)
            {
                string name = pattern[(i + 3)..close];
                int equals = name.IndexOf('=', StringComparison.Ordinal);
                if (equals >= 0 && name[..equals] is "gc" or "General_Category")
                {
                    name = name[(equals + 1)..];
                }

                usesUnicodeProperties = true;
                result.Append('\\').Append(next).Append('{').Append(Categories.TryGetValue(name, out string? shortName) ? shortName : name).Append('}');
                i = close;
                continue;
            }

            result.Append(c).Append(next);
            i++;
        }

        return result.ToString();
    }
}
