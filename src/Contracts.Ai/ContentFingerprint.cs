using System;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// 128-bit hashes of what a tool declaration or a response format says (name, description, schema), so what
/// is derived from them (compiled validators, token counts) is computed once per content and reused by
/// every request, also when an app creates its tools and options anew for each request.
/// </summary>
internal static class ContentFingerprint
{
    /// <summary>The fingerprint of a JSON value's text as it was parsed.</summary>
    public static UInt128 Of(JsonElement element, long seed = 0) =>
        element.ValueKind == JsonValueKind.Undefined
            ? (UInt128)seed
            : XxHash128.HashToUInt128(JsonMarshal.GetRawUtf8Value(element), seed);

    /// <summary>The fingerprint of a tool declaration: name, description and parameter schema.</summary>
    public static UInt128 Of(AIFunctionDeclaration function) =>
        Of(function.JsonSchema, Of(function.Name, Of(function.Description, 1)));

    /// <summary>The fingerprint of a JSON response format: schema name, description and schema.</summary>
    public static UInt128 Of(ChatResponseFormatJson format) =>
        Of(format.Schema ?? default, Of(format.SchemaName, Of(format.SchemaDescription, 2)));

    private static long Of(string? text, long seed) =>
        text is null ? seed ^ 0x5bd1e995 : (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan()), seed);
}
