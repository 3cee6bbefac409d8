using Contracts.Ai;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Contracts.Ai.Tests.Tools.ToolTestData;

namespace Contracts.Ai.Tests.Tools;

/// <summary>
/// Apps create their tools and options per request (a handler closing over request state). What is derived
/// from a tool is computed once per content and reused, and a tool whose content changed is never judged by
/// what was derived from the old one.
/// </summary>
public class ToolsCreatedPerRequestTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tools_created_per_request_are_governed_on_every_request(bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.CallTool("get_order", new Dictionary<string, object?> { ["id"] = "abc" }),
            ScriptedTurn.Reply("first"),
            ScriptedTurn.CallTool("get_order", new Dictionary<string, object?> { ["id"] = "abc" }),
            ScriptedTurn.Reply("second"));
        using ServiceProvider services = Governed(model);
        IChatClient client = services.GetRequiredService<IChatClient>();
        int calls = 0;

        for (int request = 0; request < 2; request++)
        {
            AIFunction perRequest = AIFunctionFactory.Create((int id) => { calls++; return "ok"; }, "get_order", "Looks up an order.");
            await client.AskAsync("where is my order?", new ChatOptions { Tools = [perRequest] }, streaming);
        }

        Assert.Equal(0, calls);
        Assert.Contains("tool_arguments_rejected", Text(ToolResultsOf(model.Requests[1]).Single().Result));
        Assert.Contains("tool_arguments_rejected", Text(ToolResultsOf(model.Requests[3]).Single().Result));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tool_whose_parameters_changed_is_validated_by_its_new_schema(bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.CallTool("get_order", new Dictionary<string, object?> { ["id"] = "A-1042" }),
            ScriptedTurn.Reply("first"),
            ScriptedTurn.CallTool("get_order", new Dictionary<string, object?> { ["id"] = "A-1042" }),
            ScriptedTurn.Reply("second"));
        using ServiceProvider services = Governed(model);
        IChatClient client = services.GetRequiredService<IChatClient>();
        string? received = null;

        // Same name and description; the first version takes a number, the second a string.
        AIFunction numeric = AIFunctionFactory.Create((int id) => "ok", "get_order", "Looks up an order.");
        await client.AskAsync("where is my order?", new ChatOptions { Tools = [numeric] }, streaming);
        AIFunction textual = AIFunctionFactory.Create((string id) => { received = id; return "ok"; }, "get_order", "Looks up an order.");
        await client.AskAsync("where is my order?", new ChatOptions { Tools = [textual] }, streaming);

        Assert.Contains("tool_arguments_rejected", Text(ToolResultsOf(model.Requests[1]).Single().Result));
        Assert.Equal("A-1042", received);
        Assert.DoesNotContain("tool_arguments_rejected", Text(ToolResultsOf(model.Requests[3]).Single().Result));
    }

    [Fact]
    public void Equal_tool_declarations_in_new_objects_are_counted_once_and_a_changed_one_is_counted_again()
    {
        var cache = new TokenCountCache();
        ITokenCounter counter = TiktokenTokenCounter.ForModel("gpt-4o");
        int first = cache.CountToolsAndFormat(new ChatOptions { Tools = [Lookup("Looks up an order.")] }, counter);
        long calls = cache.TokenizerCalls;

        int again = cache.CountToolsAndFormat(new ChatOptions { Tools = [Lookup("Looks up an order.")] }, counter);
        Assert.Equal(first, again);
        Assert.Equal(calls, cache.TokenizerCalls);

        int changed = cache.CountToolsAndFormat(new ChatOptions { Tools = [Lookup("Looks up an order by its id, with its lines, payments and shipments.")] }, counter);
        Assert.True(changed > first, $"a longer description must count more tokens: {changed} <= {first}");
        Assert.Equal(new TokenCountCache().CountToolsAndFormat(new ChatOptions { Tools = [Lookup("Looks up an order by its id, with its lines, payments and shipments.")] }, counter), changed);
    }

    [Fact]
    public void Equal_instructions_in_new_strings_are_counted_once_and_are_exact()
    {
        var cache = new TokenCountCache();
        ITokenCounter counter = TiktokenTokenCounter.ForModel("gpt-4o");
        int first = cache.CountInstructions(Render("Contoso"), counter);
        long calls = cache.TokenizerCalls;

        Assert.Equal(first, cache.CountInstructions(Render("Contoso"), counter));
        Assert.Equal(calls, cache.TokenizerCalls);
        Assert.Equal(new TokenCountCache().CountInstructions(Render("Fabrikam Outdoor Equipment"), counter), cache.CountInstructions(Render("Fabrikam Outdoor Equipment"), counter));
        Assert.NotEqual(first, cache.CountInstructions(Render("Fabrikam Outdoor Equipment"), counter));

        static string Render(string product) => string.Concat("You are a support agent for ", product, ". Answer briefly.");
    }

    private static AIFunction Lookup(string description) => AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order", description);

    private static ServiceProvider Governed(IChatClient model)
    {
        var services = new ServiceCollection();
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi();
        return services.BuildServiceProvider();
    }

    private static IEnumerable<FunctionResultContent> ToolResultsOf(ScriptedRequest request) =>
        ToolGovernanceChatClientTests.ToolResults(request);
}
