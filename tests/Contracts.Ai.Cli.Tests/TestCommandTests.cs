using System.Text.Json;

namespace Contracts.Ai.Cli.Tests;

public class TestCommandTests
{
    [Fact]
    public async Task Runs_every_scenario_through_the_governed_pipeline()
    {
        CliResult result = await CliRunner.RunAsync("test", CliRunner.Fixtures + "/good");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("PASS greeting 1.0.0 > greets: passed", result.Lines);
        Assert.Contains("PASS greeting 1.0.0 > prose is re-asked: reasked", result.Lines);
        Assert.Contains("PASS greeting 1.1.0 > streaming answer passes: passed", result.Lines);
        Assert.Contains("PASS greeting 1.1.0 > missing field fails after the re-ask: failed", result.Lines);
        Assert.Contains("4 scenario(s): 4 passed, 0 failed.", result.Lines);
    }

    [Theory]
    [InlineData("samples/Contracts.Ai.Quickstart/prompts")]
    [InlineData("samples/Contracts.Ai.SupportDesk/prompts")]
    public async Task The_samples_scenarios_pass(string folder)
    {
        CliResult result = await CliRunner.RunAsync("test", folder);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains(" 0 failed.", result.Output);
    }

    [Fact]
    public async Task A_wrong_outcome_fails_with_file_line_and_the_violation()
    {
        CliResult result = await CliRunner.RunAsync("test", CliRunner.Fixtures + "/failing-scenarios");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("PASS echo 1.0.0 > valid answer: passed", result.Lines);
        string failure = Assert.Single(result.Lines, l => l.StartsWith("FAIL ", StringComparison.Ordinal));
        Assert.StartsWith($"FAIL {CliRunner.Fixtures}/failing-scenarios/echo.scenarios.yaml:7: echo 1.0.0 > expected to pass but the answer breaks the schema: expected passed, got failed", failure);
        Assert.Contains("$.echo", failure);
        Assert.Contains("2 scenario(s): 1 passed, 1 failed.", result.Lines);
    }

    [Fact]
    public async Task Json_output_parses()
    {
        CliResult result = await CliRunner.RunAsync("test", CliRunner.Fixtures + "/failing-scenarios", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(1, json.RootElement.GetProperty("failed").GetInt32());
        JsonElement failed = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray(), r => !r.GetProperty("passed").GetBoolean());
        Assert.Equal("failed", failed.GetProperty("outcome").GetString());
        Assert.Equal("passed", failed.GetProperty("expected").GetString());
        Assert.Equal(7, failed.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Invalid_scenario_or_prompt_files_run_nothing()
    {
        CliResult scenarios = await CliRunner.RunAsync("test", CliRunner.Fixtures + "/bad-scenarios");
        CliResult prompts = await CliRunner.RunAsync("test", CliRunner.Fixtures + "/broken");

        Assert.Equal(1, scenarios.ExitCode);
        Assert.Contains("nothing was run", scenarios.Error);
        Assert.Contains($"{CliRunner.Fixtures}/bad-scenarios/greeting.scenarios.yaml:4:5: error scenario-invalid: scenarios[0].inputz: unknown field 'inputz'", scenarios.Output);
        Assert.Contains("'perfect' is not an outcome", scenarios.Output);
        Assert.DoesNotContain("PASS", scenarios.Output);
        Assert.Equal(1, prompts.ExitCode);
        Assert.Contains("version-invalid", prompts.Output);
    }

    [Fact]
    public async Task Expect_violation_matches_the_violation_kind_of_any_attempt()
    {
        CliResult result = await CliRunner.RunAsync("test", CliRunner.Fixtures + "/violation-kinds");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("PASS echo 1.0.0 > prose is re-asked as output_not_json: reasked", result.Lines);
        Assert.Contains("PASS echo 1.0.0 > a wrong type fails as output_schema: failed", result.Lines);
        Assert.Contains("PASS echo 1.0.0 > text still matches the violation message: failed", result.Lines);
        string failure = Assert.Single(result.Lines, l => l.StartsWith("FAIL ", StringComparison.Ordinal));
        Assert.Contains("the wrong kind fails the scenario: expected a violation of kind output_not_json, got kinds: output_schema", failure);
        Assert.Contains("4 scenario(s): 3 passed, 1 failed.", result.Lines);
    }
}
