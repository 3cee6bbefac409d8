using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Tools;

/// <summary>
/// Requests that offer the very same tool objects reuse what was found for them the last time (their runtimes, their
/// declarations): what a request offers is still exactly what the model sees and what runs, whatever changed in between.
/// </summary>
public class SameToolsReuseTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tool_replaced_in_the_apps_shared_array_is_the_one_declared_and_run_by_the_next_request(bool streaming)
    {
        var provider = new ScriptedChatClient(request =>
            request.Messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any())
                ? ScriptedTurn.Reply("done")
                : ScriptedTurn.CallTool(request.Options!.Tools![0].Name, new Dictionary<string, object?> { ["id"] = "A-1" }));
        using ServiceProvider services = GovernedOverAppLoop(provider);
        IChatClient client = services.GetRequiredService<IChatClient>();
        var ran = new List<string>();
        AIFunction[] shared =
        [
            AIFunctionFactory.Create((string id) => { ran.Add("first " + id); return "ok"; }, "lookup_first", "Looks up an order."),
            AIFunctionFactory.Create((string id) => "unused", "other"),
        ];

        // Twice, so the second request finds the tools already seen.
        await client.AskAsync("one", new ChatOptions { Tools = shared }, streaming);
        await client.AskAsync("two", new ChatOptions { Tools = shared }, streaming);
        shared[0] = AIFunctionFactory.Create((string id) => { ran.Add("second " + id); return "ok"; }, "lookup_second", "Looks up an order again.");
        await client.AskAsync("three", new ChatOptions { Tools = shared }, streaming);

        Assert.Equal(["first A-1", "first A-1", "second A-1"], ran);
        ScriptedRequest last = provider.Requests[^1];
        AITool declared = last.Options!.Tools![0];
        Assert.Equal("lookup_second", declared.Name);
        Assert.Equal("Looks up an order again.", declared.Description);
        Assert.True(declared is GovernedAIFunction, "The provider was handed the tool ungoverned.");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_provider_that_changes_the_tool_list_it_was_handed_never_changes_the_next_requests(bool streaming)
    {
        var counts = new List<int>();
        var provider = new ScriptedChatClient(request =>
        {
            IList<AITool> tools = request.Options!.Tools!;
            counts.Add(tools.Count);
            tools.Add(new HostedWebSearchTool());
            return ScriptedTurn.Reply("ok");
        });
        using ServiceProvider services = GovernedOverAppLoop(provider);
        IChatClient client = services.GetRequiredService<IChatClient>();
        AIFunction[] shared = [AIFunctionFactory.Create((string id) => "ok", "lookup"), AIFunctionFactory.Create((string id) => "ok", "other")];

        for (int i = 0; i < 4; i++)
        {
            await client.AskAsync("hello " + i, new ChatOptions { Tools = shared }, streaming);
        }

        Assert.Equal([2, 2, 2, 2], counts);
        Assert.Equal(2, shared.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requests_alternating_between_two_tool_sets_each_declare_and_run_their_own(bool streaming)
    {
        var provider = new ScriptedChatClient(request =>
            request.Messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any())
                ? ScriptedTurn.Reply(string.Join(",", request.Options!.Tools!.Select(t => t.Name)))
                : ScriptedTurn.CallTool(request.Options!.Tools![0].Name, new Dictionary<string, object?> { ["id"] = "A-1" }));
        using ServiceProvider services = GovernedOverAppLoop(provider);
        IChatClient client = services.GetRequiredService<IChatClient>();
        var ran = new List<string>();
        AIFunction[] orders = [AIFunctionFactory.Create((string id) => { ran.Add("orders"); return "ok"; }, "orders")];
        AIFunction[] refunds =
        [
            AIFunctionFactory.Create((string id) => { ran.Add("refunds"); return "ok"; }, "refunds"),
            AIFunctionFactory.Create((string id) => "ok", "limits"),
        ];

        var answers = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            ChatResponse response = await client.AskAsync("q" + i, new ChatOptions { Tools = i % 2 == 0 ? orders : refunds }, streaming);
            answers.Add(response.Text);
        }

        Assert.Equal(["orders", "refunds,limits", "orders", "refunds,limits", "orders", "refunds,limits"], answers);
        Assert.Equal(["orders", "refunds", "orders", "refunds", "orders", "refunds"], ran);
    }

    private static ServiceProvider GovernedOverAppLoop(ScriptedChatClient provider)
    {
        var services = new ServiceCollection();
        services.AddChatClient(provider).UseFunctionInvocation();
        services.AddGovernedAi();
        return services.BuildServiceProvider();
    }
}
