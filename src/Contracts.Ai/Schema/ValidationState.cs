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

    /// <summary>Gets or sets a value indicating whether errors are recorded; when false, validators stop at the first failure.</summary>
    public bool Collecting { get; set; }

    /// <summary>Gets or sets the current schema nesting depth.</summary>
    public int Depth { get; set; }

    public static ValidationState Rent(bool collecting)
    {
        ValidationState state = t_cached ?? new ValidationState();
        t_cached = null;
        state.Collecting = collecting;
        return state;
    }

    public static void Return(ValidationState state)
    {
        state._pathLength = 0;
        state._errors = null;
        state.Depth = 0;
        Array.Clear(state._path);
        t_cached = state;
    }

    public List<SchemaValidationError>? TakeErrors()
    {
        List<SchemaValidationError>? errors = _errors;
        _errors = null;
        return errors;
    }

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
                AppendName(builder, segment.HasProperty ? segment.Property.Name : segment.Name!);
            }
        }

        return builder.ToString();
    }

    internal static void AppendName(StringBuilder builder, string name)
    {
        if (IsPlainName(name))
        {
            builder.Append('.').Append(name);
            return;
        }

        builder.Append("['");
        foreach (char c in name)
        {
            switch (c)
            {
                case '\'': builder.Append("\\'"); break;
                case '\\': builder.Append("\\\\"); break;
                default:
                    if (char.IsControl(c))
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
