using System;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>JSON settings shared by contract schemas, strict output parsing and input conversion.</summary>
internal static class ContractJson
{
    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> StrictOptions = new();

    /// <summary>The options of the reflection-based conveniences, as MEAI's own.</summary>
    public static JsonSerializerOptions ReflectionOptions => AIJsonUtilities.DefaultOptions;

    /// <summary>Converts input objects (anonymous or plain) to JSON with their member names as written.</summary>
    public static JsonSerializerOptions InputOptions { get; } = CreateInputOptions();

    /// <summary>Schemas derived from CLR types reject members the type does not have, like the strict parse.</summary>
    public static AIJsonSchemaCreateOptions SchemaCreateOptions { get; } = new()
    {
        TransformOptions = new AIJsonSchemaTransformOptions { DisallowAdditionalProperties = true },
    };

    /// <summary>Returns metadata for <paramref name="type"/> under strict options derived from <paramref name="options"/>: unmapped members disallowed, required members and nullable annotations respected.</summary>
    public static JsonTypeInfo GetStrictTypeInfo(JsonSerializerOptions options, Type type) => GetStrictOptions(options).GetTypeInfo(type);

    /// <summary>Strict options derived from <paramref name="options"/>: unmapped members disallowed, required members and nullable annotations respected, numbers only as JSON numbers.</summary>
    public static JsonSerializerOptions GetStrictOptions(JsonSerializerOptions options) =>
        StrictOptions.GetValue(options, static source =>
        {
            var copy = new JsonSerializerOptions(source)
            {
                UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
                RespectNullableAnnotations = true,
                RespectRequiredConstructorParameters = true,
                NumberHandling = JsonNumberHandling.Strict,
            };
            // Options without a resolver get MEAI's (source-generated, plus reflection where enabled).
            copy.TypeInfoResolver ??= AIJsonUtilities.DefaultOptions.TypeInfoResolver;
            copy.MakeReadOnly();
            return copy;
        });

    public static bool SchemaEquals(JsonElement? left, JsonElement? right)
    {
        if (left is not JsonElement l || right is not JsonElement r)
        {
            return left is null && right is null;
        }

#if NET9_0_OR_GREATER
        return JsonElement.DeepEquals(l, r);
#else
        return string.Equals(l.GetRawText(), r.GetRawText(), StringComparison.Ordinal);
#endif
    }

    private static JsonSerializerOptions CreateInputOptions()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { PropertyNamingPolicy = null, DictionaryKeyPolicy = null, WriteIndented = false };
        options.MakeReadOnly();
        return options;
    }
}
