using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>The structured error a model receives instead of a rejected tool call or output: what was wrong and where, never the payload.</summary>
internal static class ToolErrorResult
{
    private const int MaxListed = 20;

    public static JsonElement Create(string toolName, string rejection, IReadOnlyList<ToolViolation> violations)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, rejection == "invalid_arguments" ? "tool_arguments_rejected" : "tool_output_rejected");
            writer.WriteString("tool"u8, toolName);
            writer.WriteString("reason"u8, rejection);
            writer.WriteString("message"u8, rejection == "invalid_arguments"
                ? "The arguments break the tool's parameter schema, so the tool was not run. Correct them and call the tool again."
                : "The tool's output broke its contract and was withheld. Do not guess its content; call the tool again or answer without it.");
            writer.WriteStartArray("violations"u8);
            int listed = violations.Count < MaxListed ? violations.Count : MaxListed;
            for (int i = 0; i < listed; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("path"u8, Safe(violations[i].Path));
                writer.WriteString("kind"u8, violations[i].Kind);
                writer.WriteString("message"u8, Safe(violations[i].Message));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    private static string Safe(string text) => ToolArgumentValidator.IsValidUtf16(text) ? text : "$";
}
