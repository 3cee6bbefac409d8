using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Ai.Evaluation;

namespace Contracts.Ai.Cli;

/// <summary><c>contracts-ai eval-screening [data-folder]</c>: measures the built-in injection detector and PII recognizers on labelled data.</summary>
internal static class EvalScreeningCommand
{
    public static async Task<int> RunAsync(string? folder, string format, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        folder ??= ScreeningEvaluation.FindDataFolder();
        if (folder is null || !Directory.Exists(folder))
        {
            error.WriteLine(folder is null
                ? "contracts-ai eval-screening: no data folder given and none found (looked for tests/data in the current directory and its parents; set CONTRACTS_AI_DATA or pass a folder)."
                : $"contracts-ai eval-screening: data folder '{folder}' does not exist.");
            return ExitCodes.Usage;
        }

        ScreeningReport report;
        try
        {
            report = await ScreeningEvaluation.RunAsync(folder, new HeuristicInjectionDetector(), new DefaultPiiRecognizer(), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            error.WriteLine("contracts-ai eval-screening: " + ex.Message);
            return ExitCodes.Failed;
        }

        if (format == "json")
        {
            using var stream = new MemoryStream();
            report.WriteJson(stream);
            output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        }
        else
        {
            report.WriteText(output);
        }

        return ExitCodes.Ok;
    }
}
