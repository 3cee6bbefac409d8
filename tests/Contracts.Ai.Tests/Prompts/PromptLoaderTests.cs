using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Ai.Tests.Prompts;

public sealed class PromptLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("contracts-ai-prompts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string Prompt(string id, string version, string extra = "", string template = "Answer {{question}}.") =>
        $"---\nid: {id}\nversion: {version}\ninputs: {{ question: string }}\n{extra}---\n{template}\n";

    private void Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private ServiceProvider Build(Action<IGovernedAiBuilder> configure)
    {
        var services = new ServiceCollection();
        configure(services.AddGovernedAi(_ => new ScriptedChatClient(ScriptedTurn.Reply("ok"))));
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Loads_every_version_and_its_labels_into_the_registry()
    {
        Write("support.reply/1.0.0.prompty", Prompt("support.reply", "1.0.0", "labels: [production]\n"));
        Write("support.reply/1.1.0.prompty", Prompt("support.reply", "1.1.0", "labels: [canary]\n"));
        Write("order.status.prompty", Prompt("order.status", "2.0.0"));
        Write("notes.txt", "not a prompt");

        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(_dir));
        IPromptRegistry registry = provider.GetRequiredService<IPromptRegistry>();

        Assert.Equal("1.0.0", registry.Resolve("support.reply").Version);
        Assert.Equal("1.1.0", registry.Resolve("support.reply", "canary").Version);
        Assert.Equal("1.1.0", registry.Resolve("support.reply", "latest").Version);
        Assert.Equal("2.0.0", registry.Resolve("order.status").Version);
        Assert.Equal("Answer {{question}}.", registry.Resolve("order.status").Template);
    }

    [Fact]
    public void Invalid_files_fail_with_every_error_of_every_file_and_register_nothing()
    {
        Write("a.prompty", Prompt("a", "1.0", template: "Answer {{question}} {{extra}}."));
        Write("b.prompty", Prompt("b", "1.0.0", "risk: extreme\n"));
        Write("c.prompty", Prompt("c", "1.0.0"));

        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(_dir));

        PromptFileException ex = Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IPromptRegistry>());
        Assert.Equal(3, ex.Errors.Count);
        Assert.Contains(ex.Errors, e => e.File.EndsWith("a.prompty") && e is { Line: 3, Field: "version" });
        Assert.Contains(ex.Errors, e => e.File.EndsWith("a.prompty") && e is { Line: 6, Field: "template" } && e.Message.Contains("{{extra}}"));
        Assert.Contains(ex.Errors, e => e.File.EndsWith("b.prompty") && e is { Line: 5, Field: "risk" });
        Assert.Contains("a.prompty:3:", ex.Message);
        Assert.Contains("b.prompty:5:", ex.Message);

        // Still failing on the next attempt: nothing half-registered was cached.
        Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IPromptRegistry>());
    }

    [Fact]
    public async Task Invalid_files_fail_the_host_start()
    {
        Write("a.prompty", "---\nid: a\n---\nHi\n");
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = _dir, DisableDefaults = true });
        builder.Services.AddGovernedAi(_ => new ScriptedChatClient()).AddPromptsFromDirectory(".");
        using IHost host = builder.Build();

        PromptFileException ex = await Assert.ThrowsAsync<PromptFileException>(() => host.StartAsync());
        Assert.Contains(ex.Errors, e => e.Field == "version" && e.Message.Contains("missing"));
    }

    [Fact]
    public void A_relative_directory_is_found_under_the_content_root()
    {
        Write("prompts/a.prompty", Prompt("a", "1.0.0"));
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = _dir, DisableDefaults = true });
        builder.Services.AddGovernedAi(_ => new ScriptedChatClient()).AddPromptsFromDirectory("prompts");
        using IHost host = builder.Build();

        Assert.Equal("1.0.0", host.Services.GetRequiredService<IPromptRegistry>().Resolve("a").Version);
    }

    [Fact]
    public void A_missing_directory_is_an_error_naming_it()
    {
        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(Path.Combine(_dir, "nope")));

        PromptFileException ex = Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IPromptRegistry>());
        Assert.Contains("'" + Path.Combine(_dir, "nope") + "' does not exist", Assert.Single(ex.Errors).Message);
    }

    [Fact]
    public void Versions_labels_rollouts_and_replacements_are_checked_across_files()
    {
        Write("x1.prompty", Prompt("x", "1.0.0", "labels: [production]\ndeprecation: { deprecated_after: 2020-01-01, replaced_by: 3.0.0 }\n"));
        Write("x1z-copy.prompty", Prompt("x", "1.0.0"));
        Write("x1b.prompty", Prompt("x", "1.0.0+build.7"));
        Write("x2.prompty", Prompt("x", "2.0.0", "labels: [production]\nrollout: { weights: { 1.0.0: 50, 2.0.0: 40, 9.9.9: 10 }, shadow: 4.0.0 }\n"));

        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(_dir));

        PromptFileException ex = Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IPromptRegistry>());
        Assert.Contains(ex.Errors, e => e.Field == "version" && e.Message.Contains("version 1.0.0 of 'x' is also declared in"));
        Assert.Contains(ex.Errors, e => e.Field == "version" && e.Message.Contains("only in build metadata"));
        Assert.Contains(ex.Errors, e => e.Field == "labels" && e.Message.Contains("label 'production' of 'x' is on version 1.0.0"));
        Assert.Contains(ex.Errors, e => e.Field == "deprecation.replaced_by" && e.Message.Contains("3.0.0"));
        Assert.Contains(ex.Errors, e => e is { Field: "rollout.weights.9.9.9", Line: 6 } && e.Message.Contains("no file declares"));
        Assert.DoesNotContain(ex.Errors, e => e.Field == "rollout.weights.1.0.0" && e.Message.Contains("deprecated", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Field == "rollout.shadow" && e.Message.Contains("4.0.0"));
    }

    [Fact]
    public void Labels_set_in_code_win_over_labels_in_files_and_code_contracts_load_first()
    {
        Write("a1.prompty", Prompt("a", "1.0.0"));
        Write("a2.prompty", Prompt("a", "2.0.0", "labels: [production]\n"));
        var code = new PromptContract { Id = "b", Version = "1.0.0", Template = "Hi." };

        using ServiceProvider provider = Build(b => b.AddContract(code).AddPromptsFromDirectory(_dir).SetContractLabel("a", "production", "1.0.0"));
        IPromptRegistry registry = provider.GetRequiredService<IPromptRegistry>();

        Assert.Equal("1.0.0", registry.Resolve("a").Version);
        Assert.Same(code, registry.Resolve("b"));
    }

    [Fact]
    public void A_file_that_redefines_a_contract_added_in_code_is_an_error()
    {
        Write("a.prompty", Prompt("a", "1.0.0"));
        var code = new PromptContract { Id = "a", Version = "1.0.0", Template = "Something else." };

        using ServiceProvider provider = Build(b => b.AddContract(code).AddPromptsFromDirectory(_dir));

        PromptFileException ex = Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IPromptRegistry>());
        Assert.Contains("different definition", Assert.Single(ex.Errors).Message);
    }

    [Fact]
    public void Output_types_are_mapped_to_source_generated_metadata()
    {
        Write("a.prompty", "---\nid: a\nversion: 1.0.0\noutput_type: Answer\n---\nAnswer.\n");
        Write("b.prompty", "---\nid: b\nversion: 1.0.0\noutput_type: Unmapped\n---\nAnswer.\n");

        using ServiceProvider failing = Build(b => b.AddPromptsFromDirectory(_dir, o => o.MapOutputType("Answer", PromptTestJsonContext.Default.TestAnswer)));
        PromptFileException ex = Assert.Throws<PromptFileException>(() => failing.GetRequiredService<IPromptRegistry>());
        Assert.Contains(ex.Errors, e => e is { Field: "output_type", Line: 4 } && e.Message.Contains("'Unmapped' is not mapped"));

        File.Delete(Path.Combine(_dir, "b.prompty"));
        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(_dir, o => o.MapOutputType("Answer", PromptTestJsonContext.Default.TestAnswer)));
        PromptContract contract = provider.GetRequiredService<IPromptRegistry>().Resolve("a");
        Assert.Equal(typeof(TestAnswer), contract.OutputType);
        Assert.True(contract.OutputSchema!.Value.GetProperty("properties").TryGetProperty("reply", out _));
    }

    [Fact]
    public void Loads_embedded_resources_by_prefix()
    {
        var assembly = new ResourceAssembly(new()
        {
            ["App.prompts.a.prompty"] = Prompt("a", "1.0.0", "labels: [production]\n"),
            ["App.prompts.sub.b.prompty"] = Prompt("b", "1.0.0"),
            ["App.other.c.prompty"] = "not even a prompt",
            ["App.prompts.readme.md"] = "not a prompt",
        });

        using ServiceProvider provider = Build(b => b.AddPromptsFromEmbeddedResources(assembly, "App.prompts."));
        IPromptRegistry registry = provider.GetRequiredService<IPromptRegistry>();

        Assert.Equal("1.0.0", registry.Resolve("a").Version);
        Assert.Equal("1.0.0", registry.Resolve("b").Version);
        Assert.Throws<ContractNotFoundException>(() => registry.Resolve("c"));
    }

    [Fact]
    public void Embedded_errors_name_the_resource_and_no_match_is_an_error()
    {
        var assembly = new ResourceAssembly(new() { ["App.prompts.a.prompty"] = Prompt("a", "x") });

        using ServiceProvider bad = Build(b => b.AddPromptsFromEmbeddedResources(assembly, "App.prompts."));
        Assert.Equal("App.prompts.a.prompty", Assert.Single(Assert.Throws<PromptFileException>(() => bad.GetRequiredService<IPromptRegistry>()).Errors).File);

        using ServiceProvider empty = Build(b => b.AddPromptsFromEmbeddedResources(assembly, "Nope."));
        Assert.Contains("no embedded resource", Assert.Single(Assert.Throws<PromptFileException>(() => empty.GetRequiredService<IPromptRegistry>()).Errors).Message);
    }

    [Fact]
    public async Task Reload_on_change_registers_new_versions_and_keeps_the_old_ones_on_errors()
    {
        Write("a1.prompty", Prompt("a", "1.0.0", "labels: [production]\n"));
        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(_dir, o => o.ReloadOnChange = true));
        IPromptRegistry registry = provider.GetRequiredService<IPromptRegistry>();

        Write("a2.prompty", "---\nid: a\nversion: broken\n---\nHi\n");
        await Task.Delay(1000);
        Assert.Equal("1.0.0", registry.Resolve("a", "latest").Version);

        Write("a2.prompty", Prompt("a", "2.0.0", "labels: [production]\n"));
        Write("a1.prompty", Prompt("a", "1.0.0"));
        await WaitUntil(() => registry.Resolve("a").Version == "2.0.0");
        Assert.Equal("2.0.0", registry.Resolve("a", "latest").Version);
    }

    [Fact]
    public async Task Reload_keeps_a_label_moved_at_run_time_until_the_files_move_it()
    {
        Write("a1.prompty", Prompt("a", "1.0.0"));
        Write("a2.prompty", Prompt("a", "2.0.0", "labels: [production]\n"));
        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(_dir, o => o.ReloadOnChange = true));
        IPromptRegistry registry = provider.GetRequiredService<IPromptRegistry>();

        // An operator rolls production back at run time; then someone adds an unrelated prompt.
        registry.SetLabel("a", PromptLabels.Production, "1.0.0");
        Write("b1.prompty", Prompt("b", "1.0.0"));
        await WaitUntil(() => TryResolve(registry, "b") is not null);
        Assert.Equal("1.0.0", registry.Resolve("a").Version);

        // A file that moves the label is a deliberate change, and wins.
        Write("a3.prompty", Prompt("a", "3.0.0", "labels: [production]\n"));
        Write("a2.prompty", Prompt("a", "2.0.0"));
        await WaitUntil(() => registry.Resolve("a").Version == "3.0.0");
    }

    private static PromptContract? TryResolve(IPromptRegistry registry, string id)
    {
        try
        {
            return registry.Resolve(id);
        }
        catch (ContractNotFoundException)
        {
            return null;
        }
    }

    [Fact]
    public void Without_reload_later_changes_are_ignored()
    {
        Write("a1.prompty", Prompt("a", "1.0.0"));
        using ServiceProvider provider = Build(b => b.AddPromptsFromDirectory(_dir));
        IPromptRegistry registry = provider.GetRequiredService<IPromptRegistry>();
        Write("a2.prompty", Prompt("a", "2.0.0"));

        Assert.Equal("1.0.0", registry.Resolve("a", "latest").Version);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        IGovernedAiBuilder builder = new ServiceCollection().AddGovernedAi();
        Assert.Throws<ArgumentNullException>(() => PromptsGovernedAiBuilderExtensions.AddPromptsFromDirectory(null!, "p"));
        Assert.Throws<ArgumentException>(() => builder.AddPromptsFromDirectory(" "));
        Assert.Throws<ArgumentException>(() => builder.AddPromptsFromDirectory("p", o => o.SearchPattern = ""));
        Assert.Throws<ArgumentNullException>(() => builder.AddPromptsFromEmbeddedResources(null!));
        Assert.Throws<ArgumentException>(() => new PromptFilesOptions().MapOutputType("", PromptTestJsonContext.Default.TestAnswer));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }

    private sealed class ResourceAssembly(Dictionary<string, string> resources) : Assembly
    {
        public override string[] GetManifestResourceNames() => resources.Keys.ToArray();

        public override Stream? GetManifestResourceStream(string name) =>
            resources.TryGetValue(name, out string? text) ? new MemoryStream(Encoding.UTF8.GetBytes(text)) : null;

        public override AssemblyName GetName() => new("App");
    }
}

public sealed class TestAnswer
{
    public required string Reply { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TestAnswer))]
internal sealed partial class PromptTestJsonContext : JsonSerializerContext;
