using System.Text;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary><c>allOf</c>: every subschema applies; their own errors are reported.</summary>
internal sealed class AllOfKeyword(SchemaNode[] schemas) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool valid = true;
        for (int i = 0; i < schemas.Length; i++)
        {
            if (!schemas[i].Validate(instance, state))
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
}

/// <summary><c>anyOf</c> / <c>oneOf</c>: branches are evaluated for a verdict only, without collecting their errors.</summary>
internal sealed class AlternativesKeyword(SchemaNode[] schemas, bool exactlyOne) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool collecting = state.Collecting;
        state.Collecting = false;
        int first = -1;
        int second = -1;
        for (int i = 0; i < schemas.Length; i++)
        {
            if (schemas[i].Validate(instance, state))
            {
                if (first < 0)
                {
                    first = i;
                    if (!exactlyOne)
                    {
                        break;
                    }
                }
                else
                {
                    second = i;
                    break;
                }
            }
        }

        state.Collecting = collecting;
        if (first >= 0 && second < 0)
        {
            return true;
        }

        if (collecting)
        {
            string keyword = exactlyOne ? "oneOf" : "anyOf";
            state.AddError(keyword, first < 0
                ? "value matches none of the " + schemas.Length + " allowed schemas"
                : "value matches schemas " + first + " and " + second + "; expected exactly one");
            if (first < 0)
            {
                AddClosestBranchErrors(instance, state);
            }
        }

        return false;
    }

    // When exactly one branch accepts the value's type (a nullable value, or a union of different types),
    // that branch's errors say what to fix; add them after the anyOf/oneOf error. Only runs on failure.
    private void AddClosestBranchErrors(JsonElement instance, ValidationState state)
    {
        SchemaValidationError[]? closest = null;
        string path = state.CurrentPath();
        for (int i = 0; i < schemas.Length; i++)
        {
            int mark = state.ErrorCount;
            _ = schemas[i].Validate(instance, state);
            SchemaValidationError[] errors = state.RemoveErrorsSince(mark);
            if (RejectsType(errors, path))
            {
                continue;
            }

            if (closest is not null)
            {
                return;
            }

            closest = errors;
        }

        if (closest is not null)
        {
            state.AddErrors(closest);
        }
    }

    private static bool RejectsType(SchemaValidationError[] errors, string path)
    {
        foreach (SchemaValidationError error in errors)
        {
            if ((error.Keyword is "type" or "false") && error.Path == path)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>not</c>.</summary>
internal sealed class NotKeyword(SchemaNode schema) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool collecting = state.Collecting;
        state.Collecting = false;
        bool matches = schema.Validate(instance, state);
        state.Collecting = collecting;
        if (!matches)
        {
            return true;
        }

        if (collecting)
        {
            state.AddError("not", "value must not match the schema under 'not'");
        }

        return false;
    }
}

/// <summary><c>$ref</c> to a schema in the same document; the target is bound after compilation so references may be recursive.</summary>
internal sealed class RefKeyword : KeywordValidator
{
    public SchemaNode? Target { get; set; }

    public override bool Validate(JsonElement instance, ValidationState state) => Target!.Validate(instance, state);
}

/// <summary><c>enum</c> and <c>const</c>: JSON equality with one of the allowed values.</summary>
internal sealed class AllowedValuesKeyword : KeywordValidator
{
    private readonly JsonElement[] _values;
    private readonly byte[]?[] _utf8Strings;
    private readonly bool _isConst;
    private string? _message;

    public AllowedValuesKeyword(JsonElement[] values, bool isConst)
    {
        _values = values;
        _isConst = isConst;
        _utf8Strings = new byte[]?[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i].ValueKind == JsonValueKind.String)
            {
                _utf8Strings[i] = Encoding.UTF8.GetBytes(values[i].GetString()!);
            }
        }
    }

    public override bool Validate(JsonElement instance, ValidationState state)
    {
        JsonValueKind kind = instance.ValueKind;
        for (int i = 0; i < _values.Length; i++)
        {
            byte[]? utf8 = _utf8Strings[i];
            if (utf8 is not null)
            {
                if (kind == JsonValueKind.String && JsonValues.TryEquals(instance, utf8))
                {
                    return true;
                }
            }
            else if (JsonValues.DeepEquals(instance, _values[i]))
            {
                return true;
            }
        }

        if (state.Collecting)
        {
            // Built on first use and cached; a race only builds the same string twice.
            _message ??= _isConst ? "expected the constant " + SchemaMessages.DescribeSchemaValue(_values[0]) : "expected one of " + DescribeValues();
            state.AddError(_isConst ? "const" : "enum", kind == JsonValueKind.String && !JsonValues.TryGetString(instance, out _) ? SchemaMessages.LoneSurrogate : _message);
        }

        return false;
    }

    private string DescribeValues()
    {
        StringBuilder builder = new();
        for (int i = 0; i < _values.Length; i++)
        {
            if (builder.Length >= 120)
            {
                return builder.Append(", ... (").Append(_values.Length).Append(" values)").ToString();
            }

            builder.Append(i == 0 ? string.Empty : ", ").Append(SchemaMessages.DescribeSchemaValue(_values[i]));
        }

        return builder.ToString();
    }
}
