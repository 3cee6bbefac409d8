using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// The mutable state of one validation run: the instance path as a stack of segments (turned into a
/// string only when an error is recorded), the errors found, and whether errors are wanted at all.
/// One instance is cached per thread so a valid document costs no allocation.
/// </summary>
internal sealed class ValidationState
{
    // Deep enough for any real document; guards against $ref cycles that never consume the instance.
    internal const int MaxDepth = 1000;

    [ThreadStatic]
    private static ValidationState? t_cached;

    private PathSegment[] _path = new PathSegment[16];
    private int _pathLength;
    private List<SchemaValidationError>? _errors;
    private long _patternStart = long.MinValue;
    private bool _patternBudgetSpent;
    private TimeProvider _clock = TimeProvider.System;

    /// <summary>Gets or sets a value indicating whether errors are recorded; when false, validators stop at the first failure.</summary>
    public bool Collecting { get; set; }

    /// <summary>Gets or sets the current schema nesting depth.</summary>
    public int Depth { get; set; }

    /// <summary>Gets the time all pattern matches of this validation may take together, in milliseconds.</summary>
    public long PatternBudgetMilliseconds { get; private set; }

    /// <summary>Gets how many pattern matches this validation actually ran (a match skipped for want of budget is not one).</summary>
    public int PatternEvaluations { get; private set; }

    public static ValidationState Rent(bool collecting, long patternBudgetMilliseconds, TimeProvider clock)
    {
        ValidationState state = t_cached ?? new ValidationState();
        t_cached = null;
        state.Collecting = collecting;
        state.PatternBudgetMilliseconds = patternBudgetMilliseconds;
        state._clock = clock;
        return state;
    }

    /// <summary>Gets the milliseconds left of the pattern budget, on the schema's clock; the clock starts at the first pattern match.</summary>
    public long PatternTimeLeft()
    {
        if (_patternBudgetSpent)
        {
            return 0;
        }

        long now = _clock.GetTimestamp();
        if (_patternStart == long.MinValue)
        {
            _patternStart = now;
        }

        return PatternBudgetMilliseconds - (long)_clock.GetElapsedTime(_patternStart, now).TotalMilliseconds;
    }

    /// <summary>
    /// Marks the budget spent: a match that timed out was given all that was left, and the regular-expression
    /// engine's timeout is coarser than the clock, so the clock alone could leave a sliver for another doomed match.
    /// </summary>
    public void SpendPatternBudget() => _patternBudgetSpent = true;

    /// <summary>Counts a pattern match that ran.</summary>
    public void CountPatternEvaluation() => PatternEvaluations++;

    public static void Return(ValidationState state)
    {
        state._pathLength = 0;
        state._errors = null;
        state.Depth = 0;
        state._patternStart = long.MinValue;
        state._patternBudgetSpent = false;
        state.PatternEvaluations = 0;
        state._clock = TimeProvider.System;
        Array.Clear(state._path);
        t_cached = state;
    }

    public List<SchemaValidationError>? TakeErrors()
    {
        List<SchemaValidationError>? errors = _errors;
        _errors = null;
        return errors;
    }

    /// <summary>Gets how many errors have been recorded so far.</summary>
    public int ErrorCount => _errors?.Count ?? 0;

    /// <summary>Removes the errors recorded after <paramref name="mark"/> and returns them.</summary>
    public SchemaValidationError[] RemoveErrorsSince(int mark)
    {
        if (_errors is null || _errors.Count <= mark)
        {
            return [];
        }

        SchemaValidationError[] removed = _errors.GetRange(mark, _errors.Count - mark).ToArray();
        _errors.RemoveRange(mark, removed.Length);
        return removed;
    }

    public void AddErrors(SchemaValidationError[] errors) => (_errors ??= []).AddRange(errors);

    public void PushProperty(string name) => Push(new PathSegment(name, default, hasProperty: false, -1));

    public void PushProperty(JsonProperty property) => Push(new PathSegment(null, property, hasProperty: true, -1));

    public void PushIndex(int index) => Push(new PathSegment(null, default, hasProperty: false, index));

    public void Pop() => _pathLength--;

    public void AddError(string keyword, string message)
    {
        (_errors ??= []).Add(new SchemaValidationError(CurrentPath(), keyword, message));
    }

    public string CurrentPath()
    {
        if (_pathLength == 0)
        {
            return "$";
        }

        StringBuilder builder = new("$");
        for (int i = 0; i < _pathLength; i++)
        {
            ref PathSegment segment = ref _path[i];
            if (segment.Index >= 0)
            {
                builder.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                AppendName(builder, segment.HasProperty ? NameOf(segment.Property) : segment.Name!);
            }
        }

        return builder.ToString();
    }

    // A name holding a lone surrogate has no string form: the path shows its escapes as written in the document.
    private static string NameOf(JsonProperty property)
    {
        if (JsonValues.TryGetName(property, out string? name))
        {
            return name;
        }

#if NET9_0_OR_GREATER
        return Unescape(Encoding.UTF8.GetString(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property)));
#else
        string raw = property.ToString();
        int end = raw.IndexOf("\":", StringComparison.Ordinal);
        return end > 1 ? Unescape(raw[1..end]) : "?";
#endif
    }

    // JSON string escapes to characters, lone surrogates kept as they are (AppendName shows them as \uXXXX).
    private static string Unescape(string raw)
    {
        StringBuilder name = new(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c != '\\' || i + 1 >= raw.Length)
            {
                name.Append(c);
                continue;
            }

            char next = raw[++i];
            switch (next)
            {
                case 'b': name.Append('\b'); break;
                case 'f': name.Append('\f'); break;
                case 'n': name.Append('\n'); break;
                case 'r': name.Append('\r'); break;
                case 't': name.Append('\t'); break;
                case 'u' when i + 4 < raw.Length:
                    name.Append((char)int.Parse(raw.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: name.Append(next); break;
            }
        }

        return name.ToString();
    }

    internal static void AppendName(StringBuilder builder, string name)
    {
        if (IsPlainName(name))
        {
            builder.Append('.').Append(name);
            return;
        }

        builder.Append("['");
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            switch (c)
            {
                case '\'': builder.Append("\\'"); break;
                case '\\': builder.Append("\\\\"); break;
                default:
                    if (char.IsControl(c) || (char.IsSurrogate(c) && !char.IsSurrogatePair(name, i) && (i == 0 || !char.IsSurrogatePair(name, i - 1))))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append("']");
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '$')
            {
                return false;
            }
        }

        return true;
    }

    private void Push(PathSegment segment)
    {
        if (_pathLength == _path.Length)
        {
            Array.Resize(ref _path, _path.Length * 2);
        }

        _path[_pathLength++] = segment;
    }

    private readonly struct PathSegment(string? name, JsonProperty property, bool hasProperty, int index)
    {
        public string? Name { get; } = name;

        public JsonProperty Property { get; } = property;

        public bool HasProperty { get; } = hasProperty;

        public int Index { get; } = index;
    }
}
