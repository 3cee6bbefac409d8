using System.Text.Json;

namespace Contracts.Ai.Cli.Tests;

public class EvalScreeningCommandTests
{
    [Fact]
    public async Task Scores_the_built_in_screening_on_labelled_data()
    {
        CliResult text = await CliRunner.RunAsync("eval-screening", CliRunner.Fixtures + "/screening");
        CliResult json = await CliRunner.RunAsync("eval-screening", CliRunner.Fixtures + "/screening", "--format", "json");

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("EMAIL_ADDRESS", text.Output);
        Assert.Equal(0, json.ExitCode);
        using JsonDocument report = JsonDocument.Parse(json.Output);
        JsonElement total = report.RootElement.GetProperty("injection").GetProperty("total");
        Assert.Equal(1, total.GetProperty("injections").GetInt32());
        Assert.Equal(1, total.GetProperty("benign").GetInt32());
    }

    [Fact]
    public async Task A_missing_data_folder_is_a_usage_error()
    {
        CliResult result = await CliRunner.RunAsync("eval-screening", "no/such/data");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'no/such/data' does not exist", result.Error);
    }
}
