using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai.Cli;

/// <summary>The <c>contracts-ai</c> command line: lint, test and diff prompt files.</summary>
public static class Program
{
    private static readonly string[] Formats = ["text", "json", "github"];

    /// <summary>Runs the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The exit code: 0 success, 1 problems found (or scenarios failed), 2 wrong usage.</returns>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        RootCommand root = Build(output, error);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError parseError in parsed.Errors)
            {
                error.WriteLine("contracts-ai: " + parseError.Message);
            }

            error.WriteLine("Run 'contracts-ai --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("contracts-ai: lint, test and diff Contracts.Ai prompt files (*.prompty) in CI, and evaluate the built-in screening.");

        var lintDir = new Argument<string>("dir") { Description = "The folder of prompt files (searched recursively for *.prompty)." };
        Option<string> lintFormat = FormatOption(Formats);
        var warnAsError = new Option<bool>("--warnaserror") { Description = "Fail on warnings too." };
        var lint = new Command("lint", "Check prompt files: YAML and fields, output schemas, placeholders vs declared inputs, semantic versions, labels and rollouts, token size vs model window and budget, PII and secrets, injection-like samples.")
        {
            lintDir, lintFormat, warnAsError,
        };
        lint.SetAction(result => LintCommand.Run(result.GetRequiredValue(lintDir), result.GetRequiredValue(lintFormat), result.GetValue(warnAsError), output, error));
        root.Add(lint);

        var testDir = new Argument<string>("dir") { Description = "The folder of prompt files and their *.scenarios.yaml files." };
        Option<string> testFormat = FormatOption(Formats);
        var test = new Command("test", "Run each scenario (inputs and recorded model answers) through the governed pipeline on a scripted model and check the contract outcome.")
        {
            testDir, testFormat,
        };
        test.SetAction((result, token) => TestCommand.RunAsync(result.GetRequiredValue(testDir), result.GetRequiredValue(testFormat), output, error, token));
        root.Add(test);

        var target = new Argument<string>("file-or-id") { Description = "A prompt file, or a contract id." };
        var from = new Argument<string>("v1") { Description = "The version to compare from." };
        var to = new Argument<string>("v2") { Description = "The version to compare to." };
        var diffDir = new Option<string?>("--dir") { Description = "The folder to find the versions in (default: the file's folder, or the current directory)." };
        Option<string> diffFormat = FormatOption(["text", "json"]);
        var diff = new Command("diff", "Show what changed between two versions of a contract: template, inputs, output schema, tools, budget, policy.")
        {
            target, from, to, diffDir, diffFormat,
        };
        diff.SetAction(result => DiffCommand.Run(result.GetRequiredValue(target), result.GetRequiredValue(from), result.GetRequiredValue(to), result.GetValue(diffDir), result.GetRequiredValue(diffFormat), output, error));
        root.Add(diff);

        var dataFolder = new Argument<string?>("data-folder")
        {
            Description = "Holds injection/*.jsonl and pii/*.json (default: $CONTRACTS_AI_DATA, else the repository's tests/data found upwards from the current directory).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        Option<string> evalFormat = FormatOption(["text", "json"]);
        var eval = new Command("eval-screening", "Measure the built-in injection detector and PII recognizers on labelled data: precision, recall and F1 per source and entity type.")
        {
            dataFolder, evalFormat,
        };
        eval.SetAction((result, token) => EvalScreeningCommand.RunAsync(result.GetValue(dataFolder), result.GetRequiredValue(evalFormat), output, error, token));
        root.Add(eval);

        return root;
    }

    private static Option<string> FormatOption(string[] formats)
    {
        var option = new Option<string>("--format")
        {
            Description = "Output format: " + string.Join(", ", formats) + ".",
            DefaultValueFactory = _ => "text",
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }
}
