using System;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>JSON types as named by the <c>type</c> keyword.</summary>
[Flags]
internal enum JsonTypes
{
    None = 0,
    Null = 1,
    Boolean = 2,
    Object = 4,
    Array = 8,
    Number = 16,
    String = 32,
    Integer = 64,
}

/// <summary>A keyword compiled against its schema values, run over instance values.</summary>
internal abstract class KeywordValidator
{
    /// <summary>Validates one instance value; records errors when <see cref="ValidationState.Collecting"/>.</summary>
    public abstract bool Validate(JsonElement instance, ValidationState state);
}

/// <summary>
/// One compiled (sub)schema: the <c>type</c> check plus its keywords grouped by the instance kind they
/// apply to, so a value runs only the keywords that can affect it.
/// </summary>
internal sealed class SchemaNode
{
    private static readonly KeywordValidator[] None = [];

    private JsonTypes _types;
    private string _typeExpectation = string.Empty;
    private bool _alwaysFalse;
    private KeywordValidator[] _any = None;
    private KeywordValidator[] _object = None;
    private KeywordValidator[] _array = None;
    private KeywordValidator[] _string = None;
    private KeywordValidator[] _number = None;

    /// <summary>Fills the node; called once by the compiler (nodes exist before they are filled so $ref can form cycles).</summary>
    public void Initialize(
        bool alwaysFalse,
        JsonTypes types,
        KeywordValidator[] any,
        KeywordValidator[] objectKeywords,
        KeywordValidator[] arrayKeywords,
        KeywordValidator[] stringKeywords,
        KeywordValidator[] numberKeywords)
    {
        _alwaysFalse = alwaysFalse;
        _types = types;
        _typeExpectation = types == JsonTypes.None ? string.Empty : "expected " + Describe(types) + " but found ";
        _any = any;
        _object = objectKeywords;
        _array = arrayKeywords;
        _string = stringKeywords;
        _number = numberKeywords;
    }

    public bool Validate(JsonElement instance, ValidationState state)
    {
        if (_alwaysFalse)
        {
            if (state.Collecting)
            {
                state.AddError("false", "no value is allowed here");
            }

            return false;
        }

        // The stack probe runs every 64 levels, so the common case pays one increment and two compares.
        if (++state.Depth > ValidationState.MaxDepth || ((state.Depth & 63) == 0 && !RuntimeHelpers.TryEnsureSufficientExecutionStack()))
        {
            state.Depth--;
            if (state.Collecting)
            {
                state.AddError("$ref", "schemas nest too deeply for this value (a reference cycle or more than " + ValidationState.MaxDepth + " levels)");
            }

            return false;
        }

        bool valid = true;
        JsonValueKind kind = instance.ValueKind;
        if (_types != JsonTypes.None && !HasType(instance, kind, _types))
        {
            valid = false;
            if (!state.Collecting)
            {
                state.Depth--;
                return false;
            }

            state.AddError("type", _typeExpectation + Describe(instance));
        }

        KeywordValidator[] specific = kind switch
        {
            JsonValueKind.Object => _object,
            JsonValueKind.Array => _array,
            JsonValueKind.String => _string,
            JsonValueKind.Number => _number,
            _ => None,
        };

        valid = Run(specific, instance, state, valid);
        if (valid || state.Collecting)
        {
            valid = Run(_any, instance, state, valid);
        }

        state.Depth--;
        return valid;
    }

    internal static string Describe(JsonElement instance) => instance.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => JsonValues.IsInteger(instance) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    internal static string Describe(JsonTypes types)
    {
        string result = string.Empty;
        foreach (JsonTypes type in (ReadOnlySpan<JsonTypes>)[JsonTypes.Object, JsonTypes.Array, JsonTypes.String, JsonTypes.Number, JsonTypes.Integer, JsonTypes.Boolean, JsonTypes.Null])
        {
            if ((types & type) != 0)
            {
                string name = type switch
                {
                    JsonTypes.Object => "object",
                    JsonTypes.Array => "array",
                    JsonTypes.String => "string",
                    JsonTypes.Number => "number",
                    JsonTypes.Integer => "integer",
                    JsonTypes.Boolean => "boolean",
                    _ => "null",
                };
                result = result.Length == 0 ? name : result + " or " + name;
            }
        }

        return result;
    }

    private static bool Run(KeywordValidator[] validators, JsonElement instance, ValidationState state, bool valid)
    {
        for (int i = 0; i < validators.Length; i++)
        {
            if (!validators[i].Validate(instance, state))
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

    private static bool HasType(JsonElement instance, JsonValueKind kind, JsonTypes types) => kind switch
    {
        JsonValueKind.Object => (types & JsonTypes.Object) != 0,
        JsonValueKind.Array => (types & JsonTypes.Array) != 0,
        JsonValueKind.String => (types & JsonTypes.String) != 0,
        JsonValueKind.True or JsonValueKind.False => (types & JsonTypes.Boolean) != 0,
        JsonValueKind.Null => (types & JsonTypes.Null) != 0,
        JsonValueKind.Number => (types & JsonTypes.Number) != 0 || ((types & JsonTypes.Integer) != 0 && JsonValues.IsInteger(instance)),
        _ => false,
    };
}
