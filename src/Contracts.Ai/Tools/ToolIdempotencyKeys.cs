using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Derives the idempotency key and payload fingerprint of a governed tool call.</summary>
/// <remarks>
/// Hashed the way request keys are (<see cref="IdempotencyKeys"/>): the key never reveals argument values, tenant ids
/// or the app's request keys. A tool call's <c>CallId</c> is never part of a key: providers change it between turns.
/// </remarks>
internal static class ToolIdempotencyKeys
{
    private const string ToolPrefix = "tool:";

    /// <summary>
    /// The key and fingerprint of a tool call: the tool name, the canonicalised arguments (only
    /// <paramref name="keyArguments"/> when given), scoped by tenant and conversation or request key.
    /// </summary>
    /// <remarks>
    /// The key arguments are the identity of the operation and also its payload: a model rewording an
    /// argument the app left out of the key neither defeats the key nor makes a conflict.
    /// </remarks>
    /// <exception cref="ToolArgumentViolationException">An argument named in <paramref name="keyArguments"/> is missing from the call.</exception>
    public static (string Key, string Fingerprint) ForTool(
        string toolName, IEnumerable<KeyValuePair<string, object?>> arguments, IReadOnlyList<string>? keyArguments, GovernanceContext? scope)
    {
        ArgumentException.ThrowIfNullOrEmpty(toolName);
        ArgumentNullException.ThrowIfNull(arguments);

        var canonical = new ArrayBufferWriter<byte>(256);
        WriteCanonicalArguments(canonical, toolName, arguments, keyArguments);
        var parts = new IdempotencyKeys.HashBuilder();
        parts.Add(toolName);
        parts.Add(canonical.WrittenSpan);
        string fingerprint = parts.ToHex();

        parts.Add(scope?.TenantId);
        parts.Add(scope?.ConversationId ?? scope?.IdempotencyKey);
        parts.Add(scope?.ConversationId is null ? "request" : "conversation");
        return (string.Concat(ToolPrefix, toolName, ":", parts.ToHex()), fingerprint);
    }

    private static void WriteCanonicalArguments(ArrayBufferWriter<byte> buffer, string toolName, IEnumerable<KeyValuePair<string, object?>> arguments, IReadOnlyList<string>? keyArguments)
    {
        using (var writer = new Utf8JsonWriter(buffer, IdempotencyKeys.CanonicalWriterOptions))
        {
            writer.WriteStartObject();
            if (keyArguments is null || keyArguments.Count == 0)
            {
                var sorted = new List<KeyValuePair<string, object?>>(arguments);
                sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                foreach (KeyValuePair<string, object?> argument in sorted)
                {
                    writer.WritePropertyName(argument.Key);
                    IdempotencyKeys.WriteCanonical(writer, ToElement(argument.Value, toolName, argument.Key));
                }
            }
            else
            {
                var paths = new SortedSet<string>(keyArguments, StringComparer.Ordinal);
                foreach (string path in paths)
                {
                    writer.WritePropertyName(path);
                    IdempotencyKeys.WriteCanonical(writer, Resolve(toolName, arguments, path));
                }
            }

            writer.WriteEndObject();
        }
    }

    private static JsonElement Resolve(string toolName, IEnumerable<KeyValuePair<string, object?>> arguments, string path)
    {
        string[] segments = path.Split('.');
        JsonElement? current = null;
        foreach (KeyValuePair<string, object?> argument in arguments)
        {
            if (string.Equals(argument.Key, segments[0], StringComparison.Ordinal))
            {
                current = ToElement(argument.Value, toolName, segments[0]);
                break;
            }
        }

        for (int i = 1; current is JsonElement element && i < segments.Length; i++)
        {
            current = element.ValueKind == JsonValueKind.Object && element.TryGetProperty(segments[i], out JsonElement child) ? child : null;
        }

        return current ?? throw new ToolArgumentViolationException(
            $"Tool '{toolName}': the idempotency key argument '{path}' is missing from the call, so the call cannot be made idempotent; nothing was run.");
    }

    private static JsonElement ToElement(object? value, string toolName, string argumentName)
    {
        if (value is JsonElement element)
        {
            return element;
        }

        if (value is null)
        {
            return default;
        }

        try
        {
            JsonTypeInfo typeInfo = AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType());
            return JsonSerializer.SerializeToElement(value, typeInfo);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new ToolArgumentViolationException(
                $"Tool '{toolName}': argument '{argumentName}' of type {value.GetType().Name} cannot be read as JSON for its idempotency key ({ex.GetType().Name}).", ex);
        }
    }
}
