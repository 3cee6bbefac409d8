using System;
using System.Collections.Generic;
using System.Text;

namespace Contracts.Ai;

/// <summary>Builds the messages of tool violation exceptions.</summary>
internal static class ToolViolationMessages
{
    private const int MaxListed = 10;

    public static string Describe(string toolName, string what, IReadOnlyList<ToolViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(toolName);
        ArgumentNullException.ThrowIfNull(violations);
        var text = new StringBuilder();
        text.Append("Tool '").Append(toolName).Append("': ").Append(what).Append('.');
        int listed = Math.Min(violations.Count, MaxListed);
        for (int i = 0; i < listed; i++)
        {
            text.Append(' ').Append(violations[i].ToString()).Append(';');
        }

        if (violations.Count > listed)
        {
            text.Append(" and ").Append(violations.Count - listed).Append(" more.");
        }

        return text.ToString();
    }

    /// <summary>The telemetry form: the tool and the violation kinds, without paths (a path can name a key the model wrote).</summary>
    public static string DescribeKinds(string toolName, string what, IReadOnlyList<ToolViolation> violations)
    {
        var text = new StringBuilder();
        text.Append("Tool '").Append(toolName).Append("': ").Append(what).Append(" rejected (");
        int listed = Math.Min(violations.Count, MaxListed);
        for (int i = 0; i < listed; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(violations[i].Kind);
        }

        return text.Append(')').ToString();
    }
}
