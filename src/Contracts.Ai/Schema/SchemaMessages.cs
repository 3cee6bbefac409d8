using System;
using System.Globalization;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>Helpers that keep error messages short and free of document content.</summary>
internal static class SchemaMessages
{
    private const int MaxQuoted = 64;

    public static string Shorten(string text) =>
        text.Length <= MaxQuoted ? text : string.Concat(text.AsSpan(0, MaxQuoted - 3), "...");

    /// <summary>A schema value for a message: short scalars as JSON, anything else by kind.</summary>
    public static string DescribeSchemaValue(JsonElement value)
    {
        string raw = value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => value.GetRawText(),
        };
        return Shorten(raw);
    }

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
