using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.Prompts;

/// <summary>A rollout declared in a prompt file routes real calls; one configured in code wins.</summary>
public sealed class PromptFileRolloutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("contracts-ai-rollout-").FullName;

    public PromptFileRolloutTests()
    {
        Write("1.0.0", "labels: [production]", "Baseline prompt.");
        Write("1.1.0", "rollout:\n  label: production\n  weights: { 1.0.0: 50, 1.1.0: 50 }", "Candidate prompt.");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requests_are_split_and_sticky_as_the_file_declares(bool streaming)
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(EchoPrompt)).AddPromptsFromDirectory(_dir);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        var served = new Dictionary<string, string>();
        for (int i = 0; i < 400; i++)
        {
            served[$"user-{i}"] = await AskAsync(chat, $"user-{i}", streaming);
        }

        int candidates = served.Values.Count(v => v == "Candidate prompt.");
        Assert.InRange(candidates, 140, 260);
        Assert.Equal(400 - candidates, served.Values.Count(v => v == "Baseline prompt."));
        foreach (string user in served.Keys.Take(50))
        {
            Assert.Equal(served[user], await AskAsync(chat, user, streaming));
        }

        RolloutOptions rollout = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Routing.Rollouts["demo.reply"];
        Assert.Equal("production", rollout.Label);
        Assert.Equal(["1.0.0", "1.1.0"], rollout.Variants.Select(v => v.Version));
        Assert.True(rollout.AutoRollback.Enabled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rollout_configured_in_code_wins_over_the_file(bool streaming)
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(EchoPrompt))
            .AddPromptsFromDirectory(_dir)
            .AddRollout("demo.reply", r => r.Variants.Add(new RolloutVariant { Version = "1.1.0", Weight = 1 }));
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        for (int i = 0; i < 40; i++)
        {
            Assert.Equal("Candidate prompt.", await AskAsync(chat, $"user-{i}", streaming));
        }

        RolloutOptions rollout = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Routing.Rollouts["demo.reply"];
        Assert.Equal("1.1.0", Assert.Single(rollout.Variants).Version);
    }

    [Fact]
    public async Task A_rollout_configured_with_AddGovernedAi_options_wins_over_the_file()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(EchoPrompt), o =>
            o.Rollouts["demo.reply"] = new RolloutOptions { Variants = [new RolloutVariant { Version = "1.0.0", Weight = 1 }] })
            .AddPromptsFromDirectory(_dir);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        for (int i = 0; i < 40; i++)
        {
            Assert.Equal("Baseline prompt.", await AskAsync(chat, $"user-{i}", streaming: false));
        }
    }

    [Fact]
    public async Task Without_a_rollout_in_any_file_the_label_is_served_as_the_registry_says()
    {
        File.Delete(Path.Combine(_dir, "1.1.0.prompty"));
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(EchoPrompt)).AddPromptsFromDirectory(_dir);
        await using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Equal("Baseline prompt.", await AskAsync(provider.GetRequiredService<IChatClient>(), "user-1", streaming: false));
        Assert.Empty(provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Routing.Rollouts);
    }

    [Fact]
    public void A_rollout_to_an_unknown_version_fails_with_the_file_line_and_field()
    {
        Write("1.2.0", "rollout:\n  label: beta\n  weights: { 1.0.0: 1, 9.9.9: 1 }", "Other prompt.");
        File.Delete(Path.Combine(_dir, "1.1.0.prompty"));
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(EchoPrompt)).AddPromptsFromDirectory(_dir);
        using ServiceProvider provider = services.BuildServiceProvider();

        PromptFileException ex = Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value);

        PromptFileError error = Assert.Single(ex.Errors);
        Assert.Equal("rollout.weights.9.9.9", error.Field);
        Assert.EndsWith("1.2.0.prompty", error.File, StringComparison.Ordinal);
        Assert.Contains("9.9.9", error.Message, StringComparison.Ordinal);
        Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IPromptRegistry>());
    }

    [Fact]
    public void Two_rollouts_of_one_contract_fail_the_start_naming_both_files()
    {
        Write("1.2.0", "rollout:\n  label: beta\n  weights: { 1.0.0: 1 }", "Other prompt.");
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(EchoPrompt)).AddPromptsFromDirectory(_dir);
        using ServiceProvider provider = services.BuildServiceProvider();

        PromptFileException ex = Assert.Throws<PromptFileException>(() => provider.GetRequiredService<IChatClient>());

        PromptFileError error = Assert.Single(ex.Errors);
        Assert.Equal("rollout-conflict", error.Code);
        Assert.Contains("a contract has one rollout", error.Message, StringComparison.Ordinal);
    }

    private static ScriptedTurn EchoPrompt(ScriptedRequest request) =>
        ScriptedTurn.Reply(string.Join("\n", request.Messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text)) + request.Options?.Instructions);

    private static async Task<string> AskAsync(IChatClient chat, string user, bool streaming)
    {
        ChatOptions options = new ChatOptions().WithContract("demo.reply").WithTenant("acme", user);
        string text = streaming
            ? string.Concat(await chat.GetStreamingResponseAsync("Hello", options).Select(u => u.Text).ToListAsync())
            : (await chat.GetResponseAsync("Hello", options)).Text;
        return text.Trim();
    }

    private void Write(string version, string extra, string template) =>
        File.WriteAllText(Path.Combine(_dir, version + ".prompty"), $"---\nid: demo.reply\nversion: {version}\n{extra}\n---\n{template}\n");
}
