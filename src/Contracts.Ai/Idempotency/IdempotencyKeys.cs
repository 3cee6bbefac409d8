using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Derives idempotency keys and payload fingerprints for requests, and the hashing and canonical JSON that tool keys (<see cref="ToolIdempotencyKeys"/>) share.</summary>
/// <remarks>
/// Keys and fingerprints are XxHash128 hashes (hex) of length-prefixed parts, so they never reveal
/// argument values, tenant ids or the app's request keys, and no two different part lists collide by
/// concatenation. A tool call's <c>CallId</c> is never part of a key: providers change it between turns.
/// </remarks>
internal static class IdempotencyKeys
{
    private const string RequestPrefix = "request:";

    internal static readonly JsonWriterOptions CanonicalWriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The store key of a request made with an idempotency key, scoped by tenant.</summary>
    public static string ForRequest(string idempotencyKey, string? tenantId)
    {
        var parts = new HashBuilder();
        parts.Add(tenantId);
        parts.Add(idempotencyKey);
        return string.Concat(RequestPrefix, parts.ToHex());
    }

    /// <summary>The fingerprint of a request: its messages (without ids and timestamps) and the options that change the answer.</summary>
    public static string RequestFingerprint(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        JsonSerializerOptions json = AIJsonUtilities.DefaultOptions;
        var parts = new HashBuilder();
        // Markers and counts keep the part list unambiguous: no text can pass for a structural part.
        foreach (ChatMessage message in messages)
        {
            parts.Add("message");
            parts.Add(message.Role.Value);
            parts.Add(message.AuthorName);
            parts.Add(message.Contents.Count);
            foreach (AIContent content in message.Contents)
            {
                parts.Add(Serialize(content, typeof(AIContent), json));
            }

            parts.Add(message.AdditionalProperties is { Count: > 0 } extra ? Serialize(extra, typeof(AdditionalPropertiesDictionary), json) : null);
        }

        parts.Add("options");
        if (options is not null)
        {
            parts.Add(options.ModelId);
            parts.Add(options.Instructions);
            parts.Add(options.ConversationId);
            parts.Add(Format(options.Temperature));
            parts.Add(Format(options.TopP));
            parts.Add(options.TopK?.ToString(CultureInfo.InvariantCulture));
            parts.Add(options.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture));
            parts.Add(Format(options.FrequencyPenalty));
            parts.Add(Format(options.PresencePenalty));
            parts.Add(options.Seed?.ToString(CultureInfo.InvariantCulture));
            parts.Add(options.ResponseFormat is { } format ? Serialize(format, typeof(ChatResponseFormat), json) : null);
            parts.Add(options.ToolMode is { } mode ? Serialize(mode, typeof(ChatToolMode), json) : null);
            parts.Add(options.StopSequences?.Count ?? -1);
            if (options.StopSequences is { } stops)
            {
                foreach (string stop in stops)
                {
                    parts.Add(stop);
                }
            }

            parts.Add(options.Tools?.Count ?? -1);
            if (options.Tools is { } tools)
            {
                foreach (AITool tool in tools)
                {
                    parts.Add(tool.Name);
                }
            }

            if (GovernedCall.ContextOf(options) is { } context)
            {
                parts.Add(context.ContractId);
                parts.Add(context.ContractVersion);
                parts.Add(context.UserId);
                parts.Add(context.Inputs is { } inputs ? Serialize(inputs, inputs.GetType(), json) : null);
            }
        }

        return parts.ToHex();
    }

    /// <summary>Writes <paramref name="element"/> with object members sorted by name, numbers in one form and strings in Unicode normal form C.</summary>
    internal static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<JsonProperty>();
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    members.Add(property);
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                writer.WriteStartObject();
                foreach (JsonProperty member in members)
                {
                    writer.WritePropertyName(member.Name.Normalize(NormalizationForm.FormC));
                    WriteCanonical(writer, member.Value);
                }

                writer.WriteEndObject();
                break;

            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (JsonElement item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;

            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString()!.Normalize(NormalizationForm.FormC));
                break;

            case JsonValueKind.Number:
                if (element.TryGetDecimal(out decimal number))
                {
                    // Dividing by 1.000… drops trailing zeros, so 1, 1.0 and 1e0 are one key.
                    writer.WriteNumberValue(number / 1.0000000000000000000000000000m);
                }
                else
                {
                    writer.WriteNumberValue(element.GetDouble());
                }

                break;

            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;

            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;

            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static string? Format(float? value) => value?.ToString("R", CultureInfo.InvariantCulture);

    private static byte[] Serialize(object value, Type type, JsonSerializerOptions options)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(value, options.GetTypeInfo(type));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            // A value the JSON options cannot describe still separates requests by its type and text.
            return Encoding.UTF8.GetBytes(value.GetType().FullName + "\n" + value);
        }
    }

    /// <summary>Hashes a list of parts, each length-prefixed (and null distinct from empty).</summary>
    internal struct HashBuilder
    {
        private XxHash128? _hash;

        private XxHash128 Hash => _hash ??= new XxHash128();

        public void Add(string? part)
        {
            if (part is null)
            {
                AddLength(-1);
                return;
            }

            int length = Encoding.UTF8.GetByteCount(part);
            Span<byte> bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
            Encoding.UTF8.GetBytes(part, bytes);
            Add(bytes);
        }

        public void Add(int count) => Add(count.ToString(CultureInfo.InvariantCulture));

        public void Add(byte[]? part)
        {
            if (part is null)
            {
                AddLength(-1);
                return;
            }

            Add(part.AsSpan());
        }

        public void Add(ReadOnlySpan<byte> part)
        {
            AddLength(part.Length);
            Hash.Append(part);
        }

        private void AddLength(int length)
        {
            Span<byte> prefix = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(prefix, length);
            Hash.Append(prefix);
        }

        public string ToHex()
        {
            Span<byte> digest = stackalloc byte[16];
            _ = Hash.GetCurrentHash(digest);
            return Convert.ToHexString(digest);
        }
    }
}
