using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace Contracts.Ai.Cli;

/// <summary>A problem the CLI reports: severity, stable code, where, and what.</summary>
internal sealed record Diagnostic(string Severity, string Code, string File, int Line, int Column, string Field, string Message)
{
    public const string Error = "error";
    public const string Warning = "warning";

    public static Diagnostic From(PromptFileError error, string severity = Error) =>
        new(severity, error.Code, Paths.Display(error.File), error.Line, error.Column, error.Field, error.Message);
}

/// <summary>Writes diagnostics as text, JSON or GitHub workflow commands.</summary>
internal static class DiagnosticWriter
{
    public static void Write(TextWriter output, string format, IReadOnlyList<Diagnostic> diagnostics, int files)
    {
        int errors = 0, warnings = 0;
        foreach (Diagnostic d in diagnostics)
        {
            if (d.Severity == Diagnostic.Error) { errors++; } else { warnings++; }
        }

        switch (format)
        {
            case "json":
                WriteJson(output, diagnostics, files, errors, warnings);
                return;
            case "github":
                foreach (Diagnostic d in diagnostics)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"::{d.Severity} file={Property(d.File)},line={d.Line},col={d.Column},title={Property("contracts-ai " + d.Code)}::{Data(d.Field + ": " + d.Message)}"));
                }

                break;
            default:
                foreach (Diagnostic d in diagnostics)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d.File}:{d.Line}:{d.Column}: {d.Severity} {d.Code}: {d.Field}: {d.Message}"));
                }

                break;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{files} prompt file(s) checked: {errors} error(s), {warnings} warning(s)."));
    }

    private static void WriteJson(TextWriter output, IReadOnlyList<Diagnostic> diagnostics, int files, int errors, int warnings)
    {
        JsonOutput.Write(output, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("files", files);
            json.WriteNumber("errors", errors);
            json.WriteNumber("warnings", warnings);
            json.WriteStartArray("diagnostics");
            foreach (Diagnostic d in diagnostics)
            {
                json.WriteStartObject();
                json.WriteString("severity", d.Severity);
                json.WriteString("code", d.Code);
                json.WriteString("file", d.File);
                json.WriteNumber("line", d.Line);
                json.WriteNumber("column", d.Column);
                json.WriteString("field", d.Field);
                json.WriteString("message", d.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    // GitHub workflow command escaping: https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    private static string Data(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string Property(string value) =>
        Data(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}

/// <summary>Paths as the CLI shows them: relative to the current directory when under it, with '/' separators.</summary>
internal static class Paths
{
    public static string Display(string path)
    {
        if (!Path.IsPathRooted(path))
        {
            return path.Replace('\\', '/');
        }

        string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return (relative.StartsWith("..", StringComparison.Ordinal) ? path : relative).Replace('\\', '/');
    }
}
