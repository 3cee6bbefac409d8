using System;
using System.Text.Json;
#if NET9_0_OR_GREATER
using System.Runtime.InteropServices;
#endif

namespace Contracts.Ai;

/// <summary>
/// <c>properties</c>, <c>patternProperties</c>, <c>additionalProperties</c> and <c>required</c> of one schema,
/// evaluated in a single pass over the instance's members: each member is looked up once among the
/// declared names, validated by its subschema, by every matching pattern's subschema, or by the
/// additional-properties subschema; required names not seen are reported after the pass.
/// </summary>
internal sealed class ObjectMembersKeyword : KeywordValidator
{
    private const int MaxTrackedOnStack = 64;

    private readonly string[] _names;
    private readonly byte[][] _utf8Names;
    private readonly SchemaNode?[] _schemas;
    private readonly int _declaredCount;
    private readonly int[] _required;
    private readonly SchemaPattern[] _patterns;
    private readonly SchemaNode[] _patternSchemas;
    private readonly SchemaNode? _additional;
    private readonly string? _forbiddenAdditional;

    /// <param name="names">Names from <c>properties</c> first (<paramref name="declaredCount"/> of them), then required names not declared there.</param>
    /// <param name="utf8Names">The same names in UTF-8.</param>
    /// <param name="schemas">The subschema of each declared name; null for the required-only names.</param>
    /// <param name="declaredCount">How many names come from <c>properties</c>.</param>
    /// <param name="required">Indexes into <paramref name="names"/> of the required names.</param>
    /// <param name="patterns">The <c>patternProperties</c> expressions.</param>
    /// <param name="patternSchemas">Their subschemas.</param>
    /// <param name="additional">The <c>additionalProperties</c> subschema, if any.</param>
    /// <param name="forbiddenAdditional">When <c>additionalProperties</c> is <c>false</c>: the message suffix naming what is allowed.</param>
    public ObjectMembersKeyword(
        string[] names,
        byte[][] utf8Names,
        SchemaNode?[] schemas,
        int declaredCount,
        int[] required,
        SchemaPattern[] patterns,
        SchemaNode[] patternSchemas,
        SchemaNode? additional,
        string? forbiddenAdditional)
    {
        _names = names;
        _utf8Names = utf8Names;
        _schemas = schemas;
        _declaredCount = declaredCount;
        _required = required;
        _patterns = patterns;
        _patternSchemas = patternSchemas;
        _additional = additional;
        _forbiddenAdditional = forbiddenAdditional;
    }

    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool valid = true;
        ulong seenMask = 0;
        bool[]? seenLarge = _names.Length > MaxTrackedOnStack && _required.Length > 0 ? new bool[_names.Length] : null;
        foreach (JsonProperty property in instance.EnumerateObject())
        {
            int index = _names.Length == 0 ? -1 : IndexOf(property);
            if (index >= 0)
            {
                if (seenLarge is not null)
                {
                    seenLarge[index] = true;
                }
                else
                {
                    seenMask |= 1UL << index;
                }

                if (index < _declaredCount && !Run(_schemas[index]!, property, state))
                {
                    valid = false;
                    if (!state.Collecting)
                    {
                        return false;
                    }
                }
            }

            bool matchedPattern = false;
            for (int i = 0; i < _patterns.Length; i++)
            {
                PatternOutcome outcome = _patterns[i].Match(property, state);
                if (outcome != PatternOutcome.Match)
                {
                    if (outcome != PatternOutcome.NoMatch)
                    {
                        // Fail closed: a name the pattern could not be run on is neither matched nor let through.
                        valid = false;
                        if (!state.Collecting)
                        {
                            return false;
                        }

                        state.PushProperty(property);
                        state.AddError("patternProperties", SchemaMessages.Describe(outcome, _patterns[i], state, string.Empty));
                        state.Pop();
                    }

                    continue;
                }

                matchedPattern = true;
                if (!Run(_patternSchemas[i], property, state))
                {
                    valid = false;
                    if (!state.Collecting)
                    {
                        return false;
                    }
                }
            }

            if (_additional is null || matchedPattern || (index >= 0 && index < _declaredCount))
            {
                continue;
            }

            if (_forbiddenAdditional is not null)
            {
                // additionalProperties: false says more to the reader than the generic "false schema" error.
                if (!state.Collecting)
                {
                    return false;
                }

                valid = false;
                state.PushProperty(property);
                state.AddError("additionalProperties", "property is not allowed" + _forbiddenAdditional);
                state.Pop();
            }
            else if (!Run(_additional, property, state))
            {
                valid = false;
                if (!state.Collecting)
                {
                    return false;
                }
            }
        }

        for (int i = 0; i < _required.Length; i++)
        {
            int index = _required[i];
            bool seen = seenLarge is not null ? seenLarge[index] : (seenMask & (1UL << index)) != 0;
            if (!seen)
            {
                if (!state.Collecting)
                {
                    return false;
                }

                valid = false;
                state.AddError("required", "missing required property '" + SchemaMessages.Shorten(_names[index]) + "'");
            }
        }

        return valid;
    }

    private static bool Run(SchemaNode schema, JsonProperty property, ValidationState state)
    {
        state.PushProperty(property);
        bool ok = schema.Validate(property.Value, state);
        state.Pop();
        return ok;
    }

    private int IndexOf(JsonProperty property)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            byte[][] names = _utf8Names;
            for (int i = 0; i < names.Length; i++)
            {
                byte[] name = names[i];
                if (name.Length == raw.Length && raw.SequenceEqual(name))
                {
                    return i;
                }
            }

            return -1;
        }
#endif
        try
        {
            for (int i = 0; i < _utf8Names.Length; i++)
            {
                if (property.NameEquals(_utf8Names[i]))
                {
                    return i;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // A name holding a lone surrogate equals no declared name.
        }

        return -1;
    }
}

/// <summary><c>minProperties</c> / <c>maxProperties</c>.</summary>
internal sealed class PropertyCountKeyword(string keyword, long limit, bool isMinimum) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        int count = JsonValues.CountProperties(instance);
        if (isMinimum ? count >= limit : count <= limit)
        {
            return true;
        }

        if (state.Collecting)
        {
            state.AddError(keyword, "object has " + count + " properties; expected " + (isMinimum ? "at least " : "at most ") + limit);
        }

        return false;
    }
}
