using System.Text.Json;

namespace Contracts.Ai.Cli.Tests;

public class DiffCommandTests
{
    private const string Good = CliRunner.Fixtures + "/good";

    [Fact]
    public async Task Shows_what_changed_between_two_versions()
    {
        CliResult result = await CliRunner.RunAsync("diff", Good + "/greeting/1.0.0.prompty", "1.0.0", "1.1.0");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("greeting 1.0.0 -> 1.1.0", result.Lines[0]);
        Assert.Contains("- Greet {{customer}} in one short sentence.", result.Lines);
        Assert.Contains("+ Greet {{customer}} in one short sentence, in language {{language}}.", result.Lines);
        Assert.Contains("+ language: string, optional, pattern ^[a-z]{2}$", result.Lines);
        Assert.Contains("~ /required: [\"greeting\"] -> [\"greeting\",\"language\"]", result.Lines);
        Assert.Contains("+ /properties/language/type: \"string\"", result.Lines);
        Assert.Contains("~ allowed_tools: any tool -> lookup_customer", result.Lines);
        Assert.Contains("~ max_output_tokens: 100 -> 120", result.Lines);
        Assert.Contains("- production", result.Lines);
    }

    [Fact]
    public async Task Finds_versions_by_id_and_writes_json()
    {
        CliResult result = await CliRunner.RunAsync("diff", "greeting", "1.0.0", "1.1.0", "--dir", Good, "--format", "json");

        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("templateChanged").GetBoolean());
        JsonElement[] changes = root.GetProperty("changes").EnumerateArray().ToArray();
        Assert.Contains(changes, c => c.GetProperty("section").GetString() == "tools" && c.GetProperty("after").GetString() == "lookup_customer");
        Assert.Contains(changes, c => c.GetProperty("section").GetString() == "budget" && c.GetProperty("path").GetString() == "max_output_tokens");
        Assert.Contains(changes, c => c.GetProperty("section").GetString() == "schema" && c.GetProperty("change").GetString() == "added");
    }

    [Fact]
    public async Task Same_version_has_no_differences_and_a_missing_one_is_an_error()
    {
        CliResult same = await CliRunner.RunAsync("diff", "greeting", "1.0.0", "1.0.0", "--dir", Good);
        CliResult missing = await CliRunner.RunAsync("diff", "greeting", "1.0.0", "9.0.0", "--dir", Good);

        Assert.Equal(0, same.ExitCode);
        Assert.Contains("no differences.", same.Lines);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("declares version 9.0.0 of 'greeting'", missing.Error);
    }
}
