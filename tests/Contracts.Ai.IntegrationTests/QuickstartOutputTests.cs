using System.Diagnostics;
using System.Reflection;

namespace Contracts.Ai.IntegrationTests;

/// <summary>Runs the quickstart offline, as a new user does, and checks it shows what the README says it shows.</summary>
public class QuickstartOutputTests
{
    [Fact]
    public async Task The_offline_quickstart_shows_the_reask_the_errors_and_the_typed_record()
    {
        string root = FindRepoRoot();
        string configuration = typeof(QuickstartOutputTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        string dll = Path.Combine(root, "samples", "Contracts.Ai.Quickstart", "bin", configuration, "net10.0", "Contracts.Ai.Quickstart.dll");
        Assert.True(File.Exists(dll), $"The quickstart is not built at {dll}.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add(dll);
        start.Environment.Remove("OPENAI_API_KEY");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        string text = await output;

        Assert.True(process.ExitCode == 0, text + await error);
        Assert.Contains("first answer (rejected): Sure! Here is the triage:", text, StringComparison.Ordinal);
        Assert.Contains("\"priority\":\"urgent\"", text, StringComparison.Ordinal);
        Assert.Contains("sent back to the model:", text, StringComparison.Ordinal);
        Assert.Contains("$.priority", text, StringComparison.Ordinal);
        Assert.Contains("validation: reasked", text, StringComparison.Ordinal);
        Assert.Contains("get_order, parsed strictly into the typed record: Order { OrderId = A-1001, Status = delivered, Total = 42.50 }", text, StringComparison.Ordinal);
        Assert.Contains("refund_order ran 1 time(s)", text, StringComparison.Ordinal);
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
