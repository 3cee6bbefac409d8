using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Prompts;

/// <summary>A contract loaded from a prompt file governs real calls through AddGovernedAi().</summary>
public sealed class PromptFilesPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("contracts-ai-pipeline-").FullName;

    public PromptFilesPipelineTests()
    {
        File.WriteAllText(Path.Combine(_dir, "order.shipping.prompty"), """
            ---
            id: order.shipping
            version: 1.0.0
            inputs:
              order_id: { type: string, pattern: "^[0-9]{4}$" }
            output_schema:
              type: object
              properties:
                ships_on: { type: string }
              required: [ships_on]
              additionalProperties: false
            on_failure: { policy: reask, max_reasks: 1 }
            labels: [production]
            ---
            Say when order {{order_id}} ships, as JSON.
            """);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_file_renders_the_prompt_and_its_schema_drives_the_reask(bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.Reply("It ships tomorrow."),
            ScriptedTurn.Reply("""{"ships_on": "2026-11-25"}"""));
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => model, o => o.Contracts.BufferStreaming = true).AddPromptsFromDirectory(_dir);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatOptions options = new ChatOptions().WithContract("order.shipping", new Dictionary<string, object?> { ["order_id"] = "1042" });

        string text = streaming
            ? string.Concat(await chat.GetStreamingResponseAsync("When?", options).Select(u => u.Text).ToListAsync())
            : (await chat.GetResponseAsync("When?", options)).Text;

        Assert.Contains("2026-11-25", text);
        Assert.Equal(2, model.CallCount);
        string prompt = string.Join("\n", model.Requests[0].Messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text))
            + model.Requests[0].Options?.Instructions;
        Assert.Contains("Say when order 1042 ships, as JSON.", prompt);
    }

    [Fact]
    public async Task Unbuffered_streaming_fails_typed_at_the_end_of_the_stream()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("It ships tomorrow."));
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => model).AddPromptsFromDirectory(_dir);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        var seen = new List<string>();

        ContractViolationException ex = await Assert.ThrowsAsync<ContractViolationException>(async () =>
        {
            await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync("When?", new ChatOptions().WithContract("order.shipping", new Dictionary<string, object?> { ["order_id"] = "1042" })))
            {
                seen.Add(update.Text);
            }
        });

        Assert.Equal("It ships tomorrow.", string.Concat(seen));
        Assert.Equal("1.0.0", ex.ContractVersion);
    }

    [Fact]
    public async Task Inputs_declared_in_the_file_are_enforced()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("""{"ships_on": "2026-11-25"}"""));
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => model).AddPromptsFromDirectory(_dir);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ContractViolationException ex = await Assert.ThrowsAsync<ContractViolationException>(() =>
            chat.GetResponseAsync("When?", new ChatOptions().WithContract("order.shipping", new Dictionary<string, object?> { ["order_id"] = "12" })));

        Assert.Equal("order.shipping", ex.ContractId);
        Assert.Contains(ex.Violations, v => v.Contains("order_id"));
        Assert.Equal(0, model.CallCount);
    }
}
