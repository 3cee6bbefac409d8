using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Contracts.Ai;

/// <summary>
/// The strict reader of tool outputs: normalises what a tool returned to JSON (objects, JSON elements,
/// strings that hold JSON), caps its size, parses it strictly and checks it against the tool's contract.
/// </summary>
/// <remarks>Every failure is a <see cref="ToolOutputViolationException"/>; no other exception leaves it.</remarks>
internal static class ToolOutputReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
        AllowDuplicateProperties = false,
    };

    /// <summary>Returns the output as the model may see it: a <see cref="JsonElement"/>, plain text (no contract), or <see langword="null"/>.</summary>
    /// <exception cref="ToolOutputViolationException">The output breaks the contract or the size cap.</exception>
    public static object? Read(string toolName, object? output, ToolOutputContract? contract, int maxBytes, JsonSerializerOptions serializerOptions)
    {
        switch (output)
        {
            case null when contract is null:
                return null;
            case null:
                return Check(toolName, "null"u8.ToArray(), contract!, maxBytes);
            case string text:
                return ReadText(toolName, text, contract, maxBytes);
            case JsonElement element:
                return ReadElement(toolName, element, contract, maxBytes);
            case JsonDocument document:
                return ReadElement(toolName, document.RootElement, contract, maxBytes);
            default:
                byte[] utf8 = Serialize(toolName, output, serializerOptions, maxBytes);
                return contract is null ? Parse(toolName, CheckSize(toolName, utf8, maxBytes)) : Check(toolName, utf8, contract, maxBytes);
        }
    }

    private static object? ReadText(string toolName, string text, ToolOutputContract? contract, int maxBytes)
    {
        if (contract is null)
        {
            if (maxBytes > 0 && Encoding.UTF8.GetByteCount(text) is int count && count > maxBytes)
            {
                throw TooLarge(toolName, count, maxBytes);
            }

            return text;
        }

        if (contract.ExpectsString)
        {
            // Written as a JSON string it is at least its UTF-8 bytes and two quotes: reject before writing.
            if (maxBytes > 0 && (long)Encoding.UTF8.GetByteCount(text) + 2 > maxBytes)
            {
                throw TooLarge(toolName, Encoding.UTF8.GetByteCount(text) + 2L, maxBytes);
            }

            return Check(toolName, WriteJson(toolName, text, maxBytes), contract, maxBytes);
        }

        byte[] utf8;
        try
        {
            if (maxBytes > 0 && StrictUtf8.GetByteCount(text) is int count && count > maxBytes)
            {
                throw TooLarge(toolName, count, maxBytes);
            }

            utf8 = StrictUtf8.GetBytes(text);
        }
        catch (ArgumentException)
        {
            throw Reject(toolName, new ToolViolation("$", "notJson", "the output text holds invalid UTF-16"));
        }

        return Check(toolName, utf8, contract, maxBytes);
    }

    private static object? ReadElement(string toolName, JsonElement element, ToolOutputContract? contract, int maxBytes)
    {
        if (contract is not null && !contract.ExpectsString && element.ValueKind == JsonValueKind.String)
        {
            // A tool that returns a string holding JSON (AIFunctionFactory wraps it in a JSON string).
            // Its text is at least a sixth of the string written as JSON: measure that, capped, before reading the text.
            if (maxBytes > 0)
            {
                try
                {
                    _ = WriteJson(toolName, element, (int)Math.Min(((long)maxBytes * CappedBufferWriter.MaxExpansion) + 2, int.MaxValue));
                }
                catch (ToolOutputViolationException ex) when (ex.Violations[0].Kind == "maxBytes")
                {
                    throw TooLarge(toolName, maxBytes, maxBytes, atLeast: true);
                }
            }

            string text;
            try
            {
                text = element.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw Reject(toolName, new ToolViolation("$", "notJson", "the output text holds invalid UTF-16"));
            }

            return ReadText(toolName, text, contract, maxBytes);
        }

        if (element.ValueKind == JsonValueKind.Undefined)
        {
            throw Reject(toolName, new ToolViolation("$", "notJson", "the output is an undefined JSON element"));
        }

        byte[] utf8 = WriteJson(toolName, element, maxBytes);
        if (contract is null)
        {
            CheckSize(toolName, utf8, maxBytes);
            return element;
        }

        return Check(toolName, utf8, contract, maxBytes);
    }

    private static JsonElement Check(string toolName, byte[] utf8, ToolOutputContract contract, int maxBytes)
    {
        CheckSize(toolName, utf8, maxBytes);
        JsonElement root = contract.RejectsDuplicateKeys ? ParseValue(toolName, utf8) : Parse(toolName, utf8);
        List<ToolViolation>? violations = contract.Check(utf8, root);
        if (violations is { Count: > 0 })
        {
            throw new ToolOutputViolationException(toolName, violations);
        }

        return root;
    }

    private static byte[] CheckSize(string toolName, byte[] utf8, int maxBytes)
    {
        if (maxBytes > 0 && utf8.Length > maxBytes)
        {
            throw TooLarge(toolName, utf8.Length, maxBytes);
        }

        return utf8;
    }

    /// <summary>Parses without checking for duplicate keys, for contracts that reject them while reading.</summary>
    private static JsonElement ParseValue(string toolName, byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            JsonElement root = JsonElement.ParseValue(ref reader);
            if (reader.Read())
            {
                throw Reject(toolName, new ToolViolation("$", "notJson", "the output holds more than one JSON value"));
            }

            return root;
        }
        catch (JsonException ex)
        {
            throw NotJson(toolName, ex);
        }
    }

    private static JsonElement Parse(string toolName, byte[] utf8)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(utf8, DocumentOptions);
            return document.RootElement.Clone();
        }
        catch (InvalidOperationException)
        {
            // Checking for duplicate keys reads every property name; an escaped lone surrogate in one cannot be read.
            throw Reject(toolName, new ToolViolation("$", "notJson", "a property name holds invalid UTF-16"));
        }
        catch (JsonException ex)
        {
            throw NotJson(toolName, ex);
        }
    }

    private static ToolOutputViolationException NotJson(string toolName, JsonException ex)
    {
        string where = ex.LineNumber is long line && ex.BytePositionInLine is long position
            ? $" (line {line + 1}, byte {position + 1})"
            : string.Empty;
        string kind = ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) ? "duplicateKey" : "notJson";
        string message = kind == "duplicateKey"
            ? "the same property appears twice in one object"
            : $"the output is not well-formed JSON{where}";
        return Reject(toolName, new ToolViolation(string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path!, kind, message));
    }

    private static byte[] Serialize(string toolName, object output, JsonSerializerOptions serializerOptions, int maxBytes)
    {
        if (output is JsonNode node)
        {
            return WriteJson(toolName, node, maxBytes);
        }

        var buffer = new CappedBufferWriter(maxBytes);
        try
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                JsonSerializer.Serialize(writer, output, serializerOptions.GetTypeInfo(output.GetType()));
            }

            return buffer.ToArray();
        }
        catch (CappedBufferWriter.CapExceededException)
        {
            throw TooLarge(toolName, buffer.Requested, maxBytes, atLeast: true);
        }
#pragma warning disable CA1031 // NaN, cycles, unsupported types and throwing getters all mean the output cannot be sent as JSON.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            throw Reject(toolName, new ToolViolation("$", "serialization", $"the output ({output.GetType().Name}) cannot be written as JSON ({ex.GetType().Name})"));
        }
    }

    /// <summary>Writes <paramref name="value"/> as compact JSON, giving up as soon as it outgrows <paramref name="maxBytes"/> (0: no cap).</summary>
    private static byte[] WriteJson(string toolName, object value, int maxBytes)
    {
        var buffer = new CappedBufferWriter(maxBytes);
        try
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                switch (value)
                {
                    case string text:
                        writer.WriteStringValue(text);
                        break;
                    case JsonElement element:
                        element.WriteTo(writer);
                        break;
                    case JsonNode node:
                        node.WriteTo(writer);
                        break;
                }
            }
        }
        catch (CappedBufferWriter.CapExceededException)
        {
            throw TooLarge(toolName, buffer.Requested, maxBytes, atLeast: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw Reject(toolName, new ToolViolation("$", "notJson", "the output holds text that is not valid UTF-16"));
        }

        return buffer.ToArray();
    }

    private static ToolOutputViolationException TooLarge(string toolName, long bytes, int maxBytes, bool atLeast = false) =>
        Reject(toolName, new ToolViolation("$", "maxBytes", $"the output is {(atLeast ? "more than " + maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) : bytes.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes; the limit is {maxBytes}"));

    private static ToolOutputViolationException Reject(string toolName, ToolViolation violation) =>
        new(toolName, [violation]);
}
