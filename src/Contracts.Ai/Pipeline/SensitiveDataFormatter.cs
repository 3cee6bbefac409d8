using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Writes a call's messages and answer as the OpenTelemetry GenAI message JSON (<c>gen_ai.input.messages</c>,
/// <c>gen_ai.output.messages</c>), every text, tool argument and tool result redacted first, for the span and the
/// Trace log of a call whose sensitive data is captured (<see cref="GovernedAiOptions.EnableSensitiveData"/>).
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class SensitiveDataFormatter(SensitiveDataRedactor redactor)
{
    // Telemetry attributes are not HTML: keep placeholders such as <EMAIL_ADDRESS> and non-ASCII text readable.
    private static readonly JsonWriterOptions JsonWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Redacts one text for telemetry.</summary>
    public string Redact(string? text, string? contractId) => redactor.Redact(text, contractId);

    /// <summary>The call's messages, redacted.</summary>
    public string FormatMessages(IEnumerable<ChatMessage> messages, string? contractId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriterOptions))
        {
            json.WriteStartArray();
            foreach (ChatMessage message in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role.Value);
                json.WriteStartArray("parts");
                foreach (AIContent content in message.Contents)
                {
                    WritePart(json, content, contractId);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The answer's text as one assistant message, redacted.</summary>
    public string FormatOutput(string output, string? contractId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriterOptions))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteString("role", ChatRole.Assistant.Value);
            json.WriteStartArray("parts");
            json.WriteStartObject();
            json.WriteString("type", "text");
            json.WriteString("content", Redact(output, contractId));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void WritePart(Utf8JsonWriter json, AIContent content, string? contractId)
    {
        switch (content)
        {
            case TextContent text:
                json.WriteStartObject();
                json.WriteString("type", "text");
                json.WriteString("content", Redact(text.Text, contractId));
                json.WriteEndObject();
                break;
            case FunctionCallContent toolCall:
                json.WriteStartObject();
                json.WriteString("type", "tool_call");
                json.WriteString("name", toolCall.Name);
                json.WriteString("arguments", Redact(SerializeArguments(toolCall.Arguments), contractId));
                json.WriteEndObject();
                break;
            case FunctionResultContent toolResult:
                json.WriteStartObject();
                json.WriteString("type", "tool_call_response");
                json.WriteString("response", Redact(toolResult.Result?.ToString(), contractId));
                json.WriteEndObject();
                break;
        }
    }

    private static string? SerializeArguments(IDictionary<string, object?>? arguments)
    {
        if (arguments is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
        }
        catch (NotSupportedException)
        {
            // An argument type the serializer does not know must not fail the call; its content is withheld.
            return SensitiveDataRedactor.Withheld;
        }
    }
}
