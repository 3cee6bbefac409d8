using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Contracts.Ai.Cli;

/// <summary><c>contracts-ai lint &lt;dir&gt;</c>: checks every prompt file of a folder; non-zero exit code on errors.</summary>
internal static class LintCommand
{
    public static int Run(string directory, string format, bool warningsAsErrors, TextWriter output, TextWriter error)
    {
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"contracts-ai lint: directory '{directory}' does not exist.");
            return ExitCodes.Usage;
        }

        PromptFolder folder = PromptFolder.Load(directory, DateTimeOffset.UtcNow);
        List<Diagnostic> diagnostics = folder.Diagnostics;
        var recognizer = new DefaultPiiRecognizer();
        var detector = new HeuristicInjectionDetector();
        foreach (PromptFile file in folder.Files)
        {
            CheckTokens(file, diagnostics);
        }

        // Security checks run on every file, whatever else is wrong with it: an invalid field never hides a secret.
        foreach (PromptFileText text in folder.Texts)
        {
            CheckSensitiveText(text, recognizer, diagnostics);
            CheckSamples(text, recognizer, detector, diagnostics);
        }

        diagnostics.Sort(static (a, b) =>
        {
            int result = string.CompareOrdinal(a.File, b.File);
            if (result == 0) { result = a.Line.CompareTo(b.Line); }
            return result != 0 ? result : a.Column.CompareTo(b.Column);
        });

        DiagnosticWriter.Write(output, format, diagnostics, folder.FileCount);
        foreach (Diagnostic d in diagnostics)
        {
            if (d.Severity == Diagnostic.Error || warningsAsErrors)
            {
                return ExitCodes.Failed;
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>Counts the template's tokens (with the sample values filled in) and compares them with the model's window and the contract's budget.</summary>
    private static void CheckTokens(PromptFile file, List<Diagnostic> diagnostics)
    {
        PromptContract contract = file.Contract;
        TiktokenTokenCounter counter;
        if (file.ModelId is { } model && TiktokenTokenCounter.TryGetEncodingForModel(model, out string? encoding))
        {
            counter = TiktokenTokenCounter.ForEncoding(encoding);
        }
        else
        {
            counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
            if (file.ModelId is not null)
            {
                Add(diagnostics, file, Diagnostic.Warning, "token-model-unknown", "model", $"no tokenizer is known for model '{file.ModelId}': token sizes are estimated with o200k_base.");
            }
        }

        int tokens = counter.CountTokens(Render(file));
        int reserved = contract.MaxOutputTokens ?? 0;
        int? window = file.ContextWindowTokens ?? (string.IsNullOrWhiteSpace(file.ModelId) ? null : KnownContextWindows.Find(file.ModelId));
        if (window is int limit && tokens + reserved > limit)
        {
            Add(diagnostics, file, Diagnostic.Error, "token-window", "template",
                $"the template takes {tokens} tokens{(reserved > 0 ? $" plus {reserved} reserved for the answer" : string.Empty)}, more than model '{file.ModelId}''s context window of {limit}.");
        }

        if (window is int total && contract.MaxInputTokens is int maxInput && maxInput + reserved > total)
        {
            Add(diagnostics, file, Diagnostic.Error, "token-window", "budget.max_input_tokens",
                $"max_input_tokens ({maxInput}) plus max_output_tokens ({reserved}) exceed model '{file.ModelId}''s context window of {total}.");
        }

        if (contract.MaxInputTokens is int budget)
        {
            if (tokens > budget)
            {
                Add(diagnostics, file, Diagnostic.Error, "token-budget", "budget.max_input_tokens",
                    $"the template alone takes {tokens} tokens, more than max_input_tokens ({budget}).");
            }
            else if (tokens > budget * 0.8)
            {
                Add(diagnostics, file, Diagnostic.Warning, "token-budget", "budget.max_input_tokens",
                    $"the template takes {tokens} of the {budget} max_input_tokens, leaving little room for the conversation.");
            }
        }
    }

    /// <summary>PII and secrets in the template and the fallback answer: both reach the model or the user verbatim.</summary>
    private static void CheckSensitiveText(PromptFileText file, DefaultPiiRecognizer recognizer, List<Diagnostic> diagnostics)
    {
        string template = file.Template;
        foreach (PiiMatch match in recognizer.Recognize(template))
        {
            (int line, int column) = LineAndColumn(template, match.Start, file.TemplateLine);
            bool secret = IsSecret(match.EntityType);
            diagnostics.Add(new Diagnostic(Diagnostic.Error, secret ? "secret" : "pii", Paths.Display(file.Path), line, column, "template",
                $"the template contains {(secret ? "a secret" : "personal data")} ({match.EntityType}): move it out of the prompt{(secret ? " and rotate it" : string.Empty)}."));
        }

        if (file.Fallback is { } fallback)
        {
            foreach (PiiMatch match in recognizer.Recognize(fallback))
            {
                bool secret = IsSecret(match.EntityType);
                Add(diagnostics, file, Diagnostic.Error, secret ? "secret" : "pii", "on_failure.fallback",
                    $"the fallback answer contains {(secret ? "a secret" : "personal data")} ({match.EntityType}).");
            }
        }
    }

    /// <summary>Secrets in sample values are errors, personal data warnings (samples are examples); injection-like phrasing in a sample is an error.</summary>
    private static void CheckSamples(PromptFileText file, DefaultPiiRecognizer recognizer, HeuristicInjectionDetector detector, List<Diagnostic> diagnostics)
    {
        foreach ((string name, JsonElement value) in file.Sample)
        {
            string text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            string field = "sample." + name;
            foreach (PiiMatch match in recognizer.Recognize(text))
            {
                bool secret = IsSecret(match.EntityType);
                Add(diagnostics, file, secret ? Diagnostic.Error : Diagnostic.Warning, secret ? "secret" : "pii", field,
                    secret
                        ? $"the sample contains a secret ({match.EntityType}): remove it and rotate it."
                        : $"the sample contains personal data ({match.EntityType}): use made-up values.");
            }

            InjectionVerdict verdict = detector.DetectAsync(text, ContentOrigin.UserPrompt).AsTask().GetAwaiter().GetResult();
            if (verdict.IsInjection)
            {
                Add(diagnostics, file, Diagnostic.Error, "injection-sample", field,
                    string.Create(CultureInfo.InvariantCulture, $"the sample reads like a prompt injection (score {verdict.Score:0.00}; {string.Join(", ", verdict.Signals)}): samples show normal inputs; test attacks in scenarios."));
            }
        }
    }

    private static bool IsSecret(string entityType) =>
        entityType is PiiEntityTypes.ApiKey or PiiEntityTypes.Jwt or PiiEntityTypes.PrivateKey or PiiEntityTypes.Password;

    private static (int Line, int Column) LineAndColumn(string text, int index, int firstLine)
    {
        int line = firstLine, lineStart = 0;
        for (int i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, index - lineStart + 1);
    }

    /// <summary>The template with each placeholder replaced by its sample value, when the file has one.</summary>
    internal static string Render(PromptFile file)
    {
        string template = file.Contract.Template ?? string.Empty;
        if (file.Sample.Count == 0)
        {
            return template;
        }

        var text = new StringBuilder(template);
        foreach ((string name, JsonElement value) in file.Sample)
        {
            string replacement = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            text.Replace("{{" + name + "}}", replacement).Replace("{{ " + name + " }}", replacement);
        }

        return text.ToString();
    }

    private static void Add(List<Diagnostic> diagnostics, PromptFile file, string severity, string code, string field, string message)
    {
        (int line, int column) = field == "template" ? (file.TemplateLine, 1) : file.PositionOf(field);
        diagnostics.Add(new Diagnostic(severity, code, Paths.Display(file.Path), line, column, field, message));
    }

    private static void Add(List<Diagnostic> diagnostics, PromptFileText file, string severity, string code, string field, string message)
    {
        (int line, int column) = field == "template" ? (file.TemplateLine, 1) : file.PositionOf(field);
        diagnostics.Add(new Diagnostic(severity, code, Paths.Display(file.Path), line, column, field, message));
    }
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}
