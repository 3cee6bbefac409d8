using System;
using System.Buffers;

namespace Contracts.Ai;

/// <summary>
/// Literals at least one of which every match of a pattern contains: a vectorized search for them
/// finds the few places worth running the pattern, so clean text is crossed at memory speed.
/// </summary>
internal sealed class Anchors
{
#if NET9_0_OR_GREATER
    private readonly SearchValues<string> _values;
#else
    private readonly string[] _values;
    private readonly StringComparison _comparison;
#endif

    public Anchors(bool ignoreCase, params string[] literals)
    {
        Literals = literals;
#if NET9_0_OR_GREATER
        _values = SearchValues.Create(literals, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
#else
        _values = literals;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
#endif
    }

    /// <summary>Gets the literals.</summary>
    public string[] Literals { get; }

    /// <summary>Returns the index of the first anchor in <paramref name="text"/> at or after <paramref name="from"/>, or -1.</summary>
    public int IndexIn(ReadOnlySpan<char> text, int from)
    {
        if (from >= text.Length)
        {
            return -1;
        }

#if NET9_0_OR_GREATER
        int index = text[from..].IndexOfAny(_values);
        return index < 0 ? -1 : index + from;
#else
        int best = -1;
        ReadOnlySpan<char> rest = text[from..];
        foreach (string literal in _values)
        {
            int index = rest.IndexOf(literal, _comparison);
            if (index >= 0 && (best < 0 || index < best))
            {
                best = index;
                rest = rest[..Math.Min(rest.Length, index + literal.Length)];
            }
        }

        return best < 0 ? -1 : best + from;
#endif
    }
}
