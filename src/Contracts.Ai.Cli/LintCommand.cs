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
        foreach (PromptFile file in folder.Files)
        {
            CheckTokens(file, diagnostics);
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
        int? window = file.ContextWindowTokens ?? ModelWindows.Find(file.ModelId);
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
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}
