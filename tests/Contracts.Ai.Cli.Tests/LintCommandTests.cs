using System.Text.Json;

namespace Contracts.Ai.Cli.Tests;

public class LintCommandTests
{
    private const string Broken = CliRunner.Fixtures + "/broken";

    [Fact]
    public async Task A_valid_folder_passes()
    {
        CliResult result = await CliRunner.RunAsync("lint", CliRunner.Fixtures + "/good");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("2 prompt file(s) checked: 0 error(s), 0 warning(s).", Assert.Single(result.Lines));
    }

    [Theory]
    [InlineData("samples/Contracts.Ai.Quickstart/prompts")]
    [InlineData("samples/Contracts.Ai.SupportDesk/prompts")]
    public async Task The_samples_prompt_files_pass(string folder)
    {
        CliResult result = await CliRunner.RunAsync("lint", folder);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("0 error(s), 0 warning(s)", result.Output);
    }

    [Theory]
    [InlineData("yaml-syntax", "yaml.prompty", 5)]
    [InlineData("schema-invalid", "schema.prompty", 7)]
    [InlineData("placeholder-undeclared", "placeholders.prompty", 8)]
    [InlineData("input-unused", "placeholders.prompty", 6)]
    [InlineData("version-invalid", "version.prompty", 3)]
    [InlineData("version-duplicate", "duplicate-b.prompty", 3)]
    [InlineData("label-conflict", "labels-2.prompty", 4)]
    [InlineData("rollout-unknown-version", "labels-2.prompty", 6)]
    [InlineData("token-window", "tokens.prompty", 7)]
    [InlineData("token-budget", "tokens.prompty", 5)]
    [InlineData("pii", "sensitive.prompty", 9)]
    [InlineData("secret", "sensitive.prompty", 10)]
    [InlineData("injection-sample", "sensitive.prompty", 7)]
    public async Task Finds_each_problem_kind_with_file_and_line(string code, string file, int line)
    {
        CliResult result = await CliRunner.RunAsync("lint", Broken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith($"{Broken}/{file}:{line}:", StringComparison.Ordinal) && l.Contains($": error {code}: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Messages_say_what_and_where_without_the_sensitive_value()
    {
        CliResult result = await CliRunner.RunAsync("lint", Broken);

        Assert.Contains("placeholder {{customer}} is not declared under inputs", result.Output);
        Assert.Contains("input 'unused' is declared but the template never uses {{unused}}", result.Output);
        Assert.Contains("'v2' is not a semantic version", result.Output);
        Assert.Contains("'/properties/reply/type' ('strnig')", result.Output);
        Assert.Contains($"{Broken}/dep/2.0.0.prompty:5:", result.Output);
        Assert.Contains(": warning rollout-deprecated: ", result.Output);
        Assert.Contains("sends traffic to version 1.0.0 of 'broken.deprecated', deprecated since 2020-01-31: its traffic moves to 2.0.0", result.Output);
        Assert.Contains("the template alone takes", result.Output);
        Assert.Contains("(API_KEY)", result.Output);
        Assert.DoesNotContain("sk-FAKE", result.Output);
        Assert.DoesNotContain("jane.doe@example.com", result.Output);
        Assert.Contains("12 prompt file(s) checked: 13 error(s), 1 warning(s).", result.Output);
    }

    [Fact]
    public async Task Json_output_parses_and_counts_the_problems()
    {
        CliResult result = await CliRunner.RunAsync("lint", Broken, "--format", "json");

        Assert.Equal(1, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(12, root.GetProperty("files").GetInt32());
        Assert.Equal(13, root.GetProperty("errors").GetInt32());
        JsonElement[] diagnostics = root.GetProperty("diagnostics").EnumerateArray().ToArray();
        Assert.Equal(14, diagnostics.Length);
        JsonElement version = Assert.Single(diagnostics, d => d.GetProperty("code").GetString() == "version-invalid");
        Assert.Equal(Broken + "/version.prompty", version.GetProperty("file").GetString());
        Assert.Equal(3, version.GetProperty("line").GetInt32());
        Assert.Equal(10, version.GetProperty("column").GetInt32());
        Assert.Equal("version", version.GetProperty("field").GetString());
        Assert.Equal("error", version.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task GitHub_output_annotates_files_and_lines()
    {
        CliResult result = await CliRunner.RunAsync("lint", Broken, "--format", "github");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"::error file={Broken}/version.prompty,line=3,col=10,title=contracts-ai version-invalid::version: 'v2' is not a semantic version (major.minor.patch, such as 1.0.0).", result.Lines);
        Assert.Equal(13, result.Lines.Count(l => l.StartsWith("::error file=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_rollout_or_label_on_a_version_deprecated_in_the_future_is_warned_ahead_of_the_date()
    {
        string dir = Path.Combine(Path.GetTempPath(), "contracts-ai-lint-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "1.0.0.prompty"), "---\nid: soon.deprecated\nversion: 1.0.0\nlabels: [production]\ndeprecation: { deprecated_after: 2099-06-30, replaced_by: 2.0.0 }\n---\nHello.\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "2.0.0.prompty"), "---\nid: soon.deprecated\nversion: 2.0.0\nrollout:\n  weights: { 1.0.0: 90, 2.0.0: 10 }\n---\nHello there.\n");

            CliResult result = await CliRunner.RunAsync("lint", dir);

            Assert.True(result.ExitCode == 0, result.Output + result.Error);
            Assert.Contains(": warning rollout-deprecated: rollout.weights.1.0.0: the rollout sends traffic to version 1.0.0 of 'soon.deprecated', deprecated after 2099-06-30: from then on its traffic moves to 2.0.0", result.Output);
            Assert.Contains(": warning label-deprecated: labels: label 'production' points at version 1.0.0 of 'soon.deprecated', deprecated after 2099-06-30", result.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Warnings_pass_unless_warnings_are_errors()
    {
        CliResult lenient = await CliRunner.RunAsync("lint", CliRunner.Fixtures + "/warnings");
        CliResult strict = await CliRunner.RunAsync("lint", CliRunner.Fixtures + "/warnings", "--warnaserror", "--format", "github");

        Assert.Equal(0, lenient.ExitCode);
        Assert.Contains(": warning pii: sample.email: the sample contains personal data (EMAIL_ADDRESS)", lenient.Output);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains(strict.Lines, l => l.StartsWith($"::warning file={CliRunner.Fixtures}/warnings/contact.prompty,line=7,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_folder_or_a_wrong_option_is_a_usage_error()
    {
        CliResult missing = await CliRunner.RunAsync("lint", "no/such/folder");
        CliResult format = await CliRunner.RunAsync("lint", Broken, "--format", "xml");
        CliResult none = await CliRunner.RunAsync("lint");

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("directory 'no/such/folder' does not exist", missing.Error);
        Assert.Equal(2, format.ExitCode);
        Assert.Contains("xml", format.Error);
        Assert.Equal(2, none.ExitCode);
    }

    [Fact]
    public async Task Security_checks_run_on_files_with_other_errors()
    {
        const string Folder = CliRunner.Fixtures + "/hidden-secrets";
        CliResult result = await CliRunner.RunAsync("lint", Folder);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith($"{Folder}/wrong-version.prompty:3:", StringComparison.Ordinal) && l.Contains(": error version-invalid: ", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith($"{Folder}/wrong-version.prompty:9:", StringComparison.Ordinal) && l.Contains(": error secret: ", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith($"{Folder}/wrong-version.prompty:7:", StringComparison.Ordinal) && l.Contains(": error injection-sample: ", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith($"{Folder}/bad-yaml.prompty:", StringComparison.Ordinal) && l.Contains(": error yaml-syntax: ", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith($"{Folder}/bad-yaml.prompty:6:", StringComparison.Ordinal) && l.Contains(": error pii: ", StringComparison.Ordinal) && l.Contains("EMAIL_ADDRESS", StringComparison.Ordinal));
        Assert.DoesNotContain("sk-FAKE", result.Output);
        Assert.DoesNotContain("jane.doe@example.com", result.Output);
    }
}
