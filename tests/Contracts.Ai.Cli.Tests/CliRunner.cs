using System.Diagnostics;
using System.Reflection;

namespace Contracts.Ai.Cli.Tests;

/// <summary>Runs the built contracts-ai tool as a process, from the repository root.</summary>
internal static class CliRunner
{
    public static readonly string RepoRoot = FindRepoRoot();

    public static readonly string ToolPath = Path.Combine(
        RepoRoot, "src", "Contracts.Ai.Cli", "bin",
        typeof(CliRunner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release",
        "net10.0", "contracts-ai.dll");

    public const string Fixtures = "tests/Contracts.Ai.Cli.Tests/Fixtures";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<CliResult>>> Runs = new();

    /// <summary>Runs the tool once per distinct argument list; the tool only reads its fixtures, so tests share the result.</summary>
    public static Task<CliResult> RunAsync(params string[] args) =>
        Runs.GetOrAdd(string.Join('\u0001', args), _ => new Lazy<Task<CliResult>>(() => StartAsync(args))).Value;

    private static async Task<CliResult> StartAsync(string[] args)
    {
        Assert.True(File.Exists(ToolPath), $"The tool is not built at {ToolPath}.");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("contracts-ai " + string.Join(' ', args) + " did not finish in 2 minutes.");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Contracts.Ai.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Contracts.Ai.sln not found above " + AppContext.BaseDirectory);
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
