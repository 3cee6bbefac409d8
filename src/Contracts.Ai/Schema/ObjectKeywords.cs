using System.Text.Json;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary><c>properties</c>: each named member present in the instance is validated by its subschema.</summary>
internal sealed class PropertiesKeyword(string[] names, byte[][] utf8Names, SchemaNode[] schemas) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool valid = true;
        for (int i = 0; i < schemas.Length; i++)
        {
            if (instance.TryGetProperty(utf8Names[i], out JsonElement value))
            {
                state.PushProperty(names[i]);
                bool ok = schemas[i].Validate(value, state);
                state.Pop();
                if (!ok)
                {
                    if (!state.Collecting)
                    {
                        return false;
                    }

                    valid = false;
                }
            }
        }

        return valid;
    }
}

/// <summary><c>required</c>: every listed member must be present.</summary>
internal sealed class RequiredKeyword(string[] names, byte[][] utf8Names) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool valid = true;
        for (int i = 0; i < utf8Names.Length; i++)
        {
            if (!instance.TryGetProperty(utf8Names[i], out _))
            {
                if (!state.Collecting)
                {
                    return false;
                }

                valid = false;
                state.AddError("required", "missing required property '" + SchemaMessages.Shorten(names[i]) + "'");
            }
        }

        return valid;
    }
}

/// <summary>
/// <c>patternProperties</c> and <c>additionalProperties</c> together, since both walk the instance's members:
/// members matching a pattern are validated by each matching subschema; members matched neither by
/// <c>properties</c> nor by a pattern are validated by the additional-properties subschema.
/// </summary>
internal sealed class MemberPatternsKeyword(
    byte[][] declaredNames,
    Regex[] patterns,
    SchemaNode[] patternSchemas,
    SchemaNode? additional,
    string? allowedNames) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool valid = true;
        foreach (JsonProperty property in instance.EnumerateObject())
        {
            bool matched = false;
            for (int i = 0; i < patterns.Length; i++)
            {
                if (!RegexMatch.IsMatch(patterns[i], property, state, out bool timedOut))
                {
                    if (timedOut)
                    {
                        if (!state.Collecting)
                        {
                            return false;
                        }

                        valid = false;
                    }

                    continue;
                }

                matched = true;
                state.PushProperty(property);
                bool ok = patternSchemas[i].Validate(property.Value, state);
                state.Pop();
                if (!ok)
                {
                    if (!state.Collecting)
                    {
                        return false;
                    }

                    valid = false;
                }
            }

            if (matched || additional is null || IsDeclared(property))
            {
                continue;
            }

            state.PushProperty(property);
            bool additionalOk;
            if (allowedNames is not null)
            {
                // additionalProperties: false says more to the reader than the generic "false schema" error.
                additionalOk = false;
                if (state.Collecting)
                {
                    state.AddError("additionalProperties", "property is not allowed" + allowedNames);
                }
            }
            else
            {
                additionalOk = additional.Validate(property.Value, state);
            }

            state.Pop();
            if (!additionalOk)
            {
                if (!state.Collecting)
                {
                    return false;
                }

                valid = false;
            }
        }

        return valid;
    }

    private bool IsDeclared(JsonProperty property)
    {
        for (int i = 0; i < declaredNames.Length; i++)
        {
            if (property.NameEquals(declaredNames[i]))
            {
                return true;
            }
        }

        return false;
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
