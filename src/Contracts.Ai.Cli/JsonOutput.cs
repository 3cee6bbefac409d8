using System;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Contracts.Ai.Cli;

/// <summary>Writes a command's <c>--format json</c> report: indented UTF-8 JSON, as one block of text.</summary>
internal static class JsonOutput
{
    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            write(json);
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }
}
