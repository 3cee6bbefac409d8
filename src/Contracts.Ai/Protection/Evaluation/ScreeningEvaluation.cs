using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai.Evaluation;

/// <summary>
/// Measures an injection detector and a PII recognizer on a labelled data folder: every
/// <c>injection/*.jsonl</c> (one object a line: <c>text</c>, <c>label</c> injection|benign, <c>kind</c>
/// direct|tool_output, <c>source</c>) and every <c>pii/*.json</c> (Presidio-research records:
/// <c>full_text</c>, <c>spans</c> with <c>entity_type</c>, <c>start_position</c>, <c>end_position</c>).
/// </summary>
internal static class ScreeningEvaluation
{
    /// <summary>The entity types scored on the PII data (the structured ones pattern recognizers are expected to find).</summary>
    public static readonly string[] ScoredEntityTypes =
    [
        PiiEntityTypes.EmailAddress, PiiEntityTypes.PhoneNumber, PiiEntityTypes.CreditCard,
        PiiEntityTypes.IbanCode, PiiEntityTypes.UsSsn, PiiEntityTypes.IpAddress,
    ];

    /// <summary>
    /// Finds the evaluation data folder: <c>$CONTRACTS_AI_DATA</c> (or its older name <c>$CONTRACTS_AI_EVAL_DATA</c>) when
    /// it names a folder that exists, else the repository's own <c>tests/data</c>, searched upwards from
    /// <paramref name="startDirectory"/> and from the application's base directory.
    /// </summary>
    /// <param name="startDirectory">Where to start; the current directory when <see langword="null"/>.</param>
    /// <returns>The folder, or <see langword="null"/> when there is none.</returns>
    public static string? FindDataFolder(string? startDirectory = null)
    {
        foreach (string variable in new[] { "CONTRACTS_AI_DATA", "CONTRACTS_AI_EVAL_DATA" })
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(fromEnvironment))
            {
                return Path.GetFullPath(fromEnvironment);
            }
        }

        foreach (string? start in new[] { startDirectory ?? Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "data");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Runs both evaluations over <paramref name="dataFolder"/>.</summary>
    /// <param name="dataFolder">The folder holding <c>injection/</c> and <c>pii/</c>.</param>
    /// <param name="detector">The injection detector under test.</param>
    /// <param name="recognizer">The PII recognizer under test.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The report.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A data file is malformed; the message names the file and line.</exception>
    public static async Task<ScreeningReport> RunAsync(string dataFolder, IInjectionDetector detector, IPiiRecognizer recognizer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataFolder);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(recognizer);
        if (!Directory.Exists(dataFolder))
        {
            throw new DirectoryNotFoundException($"Data folder '{dataFolder}' does not exist.");
        }

        var report = new ScreeningReport(Path.GetFullPath(dataFolder));
        string injectionFolder = Path.Combine(dataFolder, "injection");
        if (Directory.Exists(injectionFolder))
        {
            string[] files = Directory.GetFiles(injectionFolder, "*.jsonl");
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                await EvaluateInjectionFileAsync(file, detector, report, cancellationToken).ConfigureAwait(false);
            }
        }

        string piiFolder = Path.Combine(dataFolder, "pii");
        if (Directory.Exists(piiFolder))
        {
            string[] files = Directory.GetFiles(piiFolder, "*.json");
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                EvaluatePiiFile(file, recognizer, report, cancellationToken);
            }
        }

        return report;
    }

    private static async Task EvaluateInjectionFileAsync(string file, IInjectionDetector detector, ScreeningReport report, CancellationToken cancellationToken)
    {
        int lineNumber = 0;
        foreach (string line in await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string text, label, kind, source;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement root = doc.RootElement;
                text = root.GetProperty("text").GetString() ?? string.Empty;
                label = root.GetProperty("label").GetString() ?? string.Empty;
                kind = root.GetProperty("kind").GetString() ?? string.Empty;
                source = root.TryGetProperty("source", out JsonElement s) ? s.GetString() ?? "unknown" : "unknown";
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{Path.GetFileName(file)} line {lineNumber}: expected an object with string 'text', 'label', 'kind' and 'source' ({ex.Message}).", ex);
            }

            bool isInjection = label switch
            {
                "injection" => true,
                "benign" => false,
                _ => throw new InvalidDataException($"{Path.GetFileName(file)} line {lineNumber}: label must be 'injection' or 'benign', but was '{label}'."),
            };
            ContentOrigin origin = kind switch
            {
                "direct" => ContentOrigin.UserPrompt,
                "tool_output" => ContentOrigin.ToolOutput,
                "retrieved_document" => ContentOrigin.RetrievedDocument,
                _ => throw new InvalidDataException($"{Path.GetFileName(file)} line {lineNumber}: kind must be 'direct', 'tool_output' or 'retrieved_document', but was '{kind}'."),
            };

            InjectionVerdict verdict = await detector.DetectAsync(text, origin, cancellationToken).ConfigureAwait(false);
            report.AddInjection(source, kind, isInjection, verdict.IsInjection);
        }
    }

    private static void EvaluatePiiFile(string file, IPiiRecognizer recognizer, ScreeningReport report, CancellationToken cancellationToken)
    {
        using FileStream stream = File.OpenRead(file);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{Path.GetFileName(file)}: not valid JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{Path.GetFileName(file)}: expected an array of records.");
            }

            int index = 0;
            foreach (JsonElement record in doc.RootElement.EnumerateArray())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string text;
                var expected = new List<(string Type, int Start, int End)>();
                try
                {
                    text = record.GetProperty("full_text").GetString() ?? string.Empty;
                    foreach (JsonElement span in record.GetProperty("spans").EnumerateArray())
                    {
                        string type = span.GetProperty("entity_type").GetString() ?? string.Empty;
                        if (Array.IndexOf(ScoredEntityTypes, type) >= 0)
                        {
                            expected.Add((type, span.GetProperty("start_position").GetInt32(), span.GetProperty("end_position").GetInt32()));
                        }
                    }
                }
                catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new InvalidDataException($"{Path.GetFileName(file)} record {index}: expected 'full_text' and 'spans' with 'entity_type', 'start_position', 'end_position' ({ex.Message}).", ex);
                }

                var found = new List<(string Type, int Start, int End)>();
                foreach (PiiMatch match in recognizer.Recognize(text))
                {
                    if (Array.IndexOf(ScoredEntityTypes, match.EntityType) >= 0)
                    {
                        found.Add((match.EntityType, match.Start, match.End));
                    }
                }

                foreach ((string type, int start, int end) in expected)
                {
                    report.AddPiiExpected(type, found.Contains((type, start, end)));
                }

                foreach ((string type, int start, int end) in found)
                {
                    report.AddPiiFound(type, expected.Contains((type, start, end)));
                }

                index++;
            }
        }
    }

    internal static string Format(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
