using System.Text.Json;

namespace Contracts.Ai;

/// <summary><c>prefixItems</c> and <c>items</c>: positional subschemas, then one subschema for the rest.</summary>
internal sealed class ItemsKeyword(SchemaNode[] prefix, SchemaNode? rest, bool restForbidden) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        bool valid = true;
        int index = 0;
        foreach (JsonElement item in instance.EnumerateArray())
        {
            SchemaNode? schema = index < prefix.Length ? prefix[index] : rest;
            if (schema is null)
            {
                break;
            }

            state.PushIndex(index);
            bool ok;
            if (restForbidden && index >= prefix.Length)
            {
                // items: false says more to the reader than the generic "false schema" error.
                ok = false;
                if (state.Collecting)
                {
                    state.AddError("items", "array allows at most " + prefix.Length + " items");
                }
            }
            else
            {
                ok = schema.Validate(item, state);
            }

            state.Pop();
            if (!ok)
            {
                if (!state.Collecting)
                {
                    return false;
                }

                valid = false;
            }

            index++;
        }

        return valid;
    }
}

/// <summary><c>minItems</c> / <c>maxItems</c>.</summary>
internal sealed class ItemCountKeyword(string keyword, long limit, bool isMinimum) : KeywordValidator
{
    public override bool Validate(JsonElement instance, ValidationState state)
    {
        int count = instance.GetArrayLength();
        if (isMinimum ? count >= limit : count <= limit)
        {
            return true;
        }

        if (state.Collecting)
        {
            state.AddError(keyword, "array has " + count + " items; expected " + (isMinimum ? "at least " : "at most ") + limit);
        }

        return false;
    }
}

/// <summary><c>uniqueItems: true</c>, with JSON equality.</summary>
internal sealed class UniqueItemsKeyword : KeywordValidator
{
    public static readonly UniqueItemsKeyword Instance = new();

    public override bool Validate(JsonElement instance, ValidationState state)
    {
        int length = instance.GetArrayLength();
        for (int i = 1; i < length; i++)
        {
            JsonElement item = instance[i];
            for (int j = 0; j < i; j++)
            {
                if (JsonValues.DeepEquals(item, instance[j]))
                {
                    if (state.Collecting)
                    {
                        state.AddError("uniqueItems", "items at index " + j + " and " + i + " are equal; expected unique items");
                    }

                    return false;
                }
            }
        }

        return true;
    }
}
