// Screening evaluation: runs the injection detector and the PII recognizers over a data folder.
// Usage: dotnet run -c Release --project benchmarks/Contracts.Ai.Evaluation -- [data-folder] [--json]
using Contracts.Ai;
using Contracts.Ai.Evaluation;

bool json = false;
string? folder = null;
foreach (string arg in args)
{
    if (arg == "--json")
    {
        json = true;
    }
    else if (arg is "-h" or "--help")
    {
        Console.WriteLine("Usage: Contracts.Ai.Evaluation [data-folder] [--json]");
        Console.WriteLine("  data-folder  holds injection/*.jsonl and pii/*.json (default: $CONTRACTS_AI_DATA, else the repository's tests/data)");
        Console.WriteLine("  --json       print one JSON object instead of tables");
        return 0;
    }
    else if (arg.StartsWith('-'))
    {
        Console.Error.WriteLine($"Unknown option '{arg}'. Usage: Contracts.Ai.Evaluation [data-folder] [--json]");
        return 2;
    }
    else if (folder is null)
    {
        folder = arg;
    }
    else
    {
        Console.Error.WriteLine($"Unexpected argument '{arg}': only one data folder may be given.");
        return 2;
    }
}

folder ??= ScreeningEvaluation.FindDataFolder();
if (folder is null || !Directory.Exists(folder))
{
    Console.Error.WriteLine(folder is null
        ? "No data folder given and none found (looked for tests/data in the current directory and its parents; set CONTRACTS_AI_DATA or pass a folder)."
        : $"Data folder '{folder}' does not exist.");
    return 2;
}

try
{
    ScreeningReport report = await ScreeningEvaluation.RunAsync(folder, new HeuristicInjectionDetector(), new DefaultPiiRecognizer());
    if (json)
    {
        using Stream stdout = Console.OpenStandardOutput();
        report.WriteJson(stdout);
        stdout.WriteByte((byte)'\n');
    }
    else
    {
        report.WriteText(Console.Out);
    }

    return 0;
}
catch (InvalidDataException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
