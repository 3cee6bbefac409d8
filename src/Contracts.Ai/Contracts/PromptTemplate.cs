using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// A contract template parsed once into literal text and <c>{{name}}</c> placeholders, rendered in a
/// single pass: inserted values are never scanned again, so a value that contains <c>{{other}}</c> or
/// role markers stays data.
/// </summary>
internal sealed class PromptTemplate
{
    private readonly string[] _literals;
    private readonly string[] _placeholders;
    private readonly int _literalLength;
    private Rendering? _last;

    private PromptTemplate(string[] literals, string[] placeholders)
    {
        _literals = literals;
        _placeholders = placeholders;
        foreach (string literal in literals)
        {
            _literalLength += literal.Length;
        }
    }

    /// <summary>Gets the placeholder names, in order of appearance (repeats included).</summary>
    public IReadOnlyList<string> Placeholders => _placeholders;

    public static PromptTemplate Parse(string template)
    {
        var literals = new List<string>();
        var placeholders = new List<string>();
        var literal = new StringBuilder();
        int position = 0;
        while (position < template.Length)
        {
            int open = template.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Append(template, position, template.Length - position);
                break;
            }

            int close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                literal.Append(template, position, template.Length - position);
                break;
            }

            string name = template.Substring(open + 2, close - open - 2).Trim();
            if (!IsValidName(name))
            {
                // Not a placeholder (for example a JSON example in the prompt): keep the braces as text.
                literal.Append(template, position, open + 2 - position);
                position = open + 2;
                continue;
            }

            literal.Append(template, position, open - position);
            literals.Add(literal.ToString());
            literal.Clear();
            placeholders.Add(name);
            position = close + 2;
        }

        literals.Add(literal.ToString());
        return new PromptTemplate(literals.ToArray(), placeholders.ToArray());
    }

    public static IReadOnlyList<string> GetPlaceholders(string template) => Parse(template).Placeholders;

    /// <summary>
    /// The one rule for contracts in code and in prompt files: every declared input appears in the template as a
    /// placeholder (an input nothing renders is a mistake, usually a renamed placeholder). Returns the names of the
    /// declared inputs the template never uses, in declaration order; a missing template uses none.
    /// </summary>
    public static List<string> FindUnusedInputs(string? template, IEnumerable<string?> inputNames)
    {
        var used = new HashSet<string>(template is null ? Array.Empty<string>() : GetPlaceholders(template), StringComparer.Ordinal);
        var unused = new List<string>();
        foreach (string? name in inputNames)
        {
            if (name is not null && !used.Contains(name))
            {
                unused.Add(name);
            }
        }

        return unused;
    }

    /// <summary>The message for an input <see cref="FindUnusedInputs"/> reports.</summary>
    public static string UnusedInputMessage(string name) => $"input '{name}' is declared but the template never uses {{{{{name}}}}}";

    public static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 128)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Renders the template: placeholder <c>i</c> shows <c>inputValues[inputOf[i]]</c> (empty when that is <see langword="null"/> or the index is negative).</summary>
    /// <param name="inputValues">The text values by input.</param>
    /// <param name="inputOf">For each placeholder, in order, the index of its value in <paramref name="inputValues"/>, or -1 for none.</param>
    /// <remarks>
    /// The last rendering is remembered with its values: requests that render the same values (the same product, the
    /// same locale) get the same string without building it again. Thread-safe: the memo is replaced whole.
    /// </remarks>
    public string Render(string?[] inputValues, int[] inputOf)
    {
        if (_placeholders.Length == 0)
        {
            return _literals[0];
        }

        if (Volatile.Read(ref _last) is { } last && SameValues(last.Values, inputValues, inputOf))
        {
            return last.Text;
        }

        var values = new string?[_placeholders.Length];
        int length = _literalLength;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ValueOf(inputValues, inputOf[i]);
            length += values[i]?.Length ?? 0;
        }

        string text = string.Create(length, (_literals, values), static (span, parts) =>
        {
            (string[] literals, string?[] values) = parts;
            int at = 0;
            for (int i = 0; i < values.Length; i++)
            {
                literals[i].CopyTo(span[at..]);
                at += literals[i].Length;
                if (values[i] is { } value)
                {
                    value.CopyTo(span[at..]);
                    at += value.Length;
                }
            }

            literals[^1].CopyTo(span[at..]);
        });
        Volatile.Write(ref _last, new Rendering(values, text));
        return text;
    }

    private static string? ValueOf(string?[] inputValues, int index) => index < 0 ? null : inputValues[index];

    private static bool SameValues(string?[] values, string?[] inputValues, int[] inputOf)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!string.Equals(values[i], ValueOf(inputValues, inputOf[i]), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One rendering and the values it was made of.</summary>
    private sealed record Rendering(string?[] Values, string Text);
}
