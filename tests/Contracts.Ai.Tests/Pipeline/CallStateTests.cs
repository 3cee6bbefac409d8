using System.Collections.Concurrent;
using System.Diagnostics;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Pipeline;

/// <summary>Per-call state stays inside the governed pipeline: nothing of it reaches the provider's options or its telemetry.</summary>
public class CallStateTests
{
    private const string Contract = "support.reply";

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task The_provider_and_its_telemetry_see_no_governance_entry_on_any_model_call(bool dependencyInjection, bool streaming)
    {
        string sourceName = "app.genai." + Guid.NewGuid().ToString("n");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var provider = new ScriptedChatClient(
            ScriptedTurn.CallTool("lookup_order", new Dictionary<string, object?> { ["id"] = 7 }, "c1"),
            ScriptedTurn.CallTool("lookup_order", new Dictionary<string, object?> { ["id"] = 8 }, "c2"),
            ScriptedTurn.Reply("Both orders shipped."));
        AIFunction lookup = AIFunctionFactory.Create((int id) => $"order {id} shipped", "lookup_order");
        var contract = new PromptContract { Id = Contract, Version = "1.0.0", Template = "Answer {{customer}} briefly.", Inputs = [new ContractInput { Name = "customer" }], MaxInputTokens = 50_000 };

        ServiceProvider? services = null;
        IChatClient client;
        if (dependencyInjection)
        {
            var collection = new ServiceCollection();
            collection.AddChatClient(provider).UseFunctionInvocation().UseOpenTelemetry(sourceName: sourceName, configure: o => o.EnableSensitiveData = true);
            collection.AddGovernedAi().AddContract(contract);
            services = collection.BuildServiceProvider();
            client = services.GetRequiredService<IChatClient>();
        }
        else
        {
            var registry = new InMemoryPromptRegistry();
            registry.Register(contract);
            client = new ChatClientBuilder(provider)
                .UseGovernedAi()
                .UseOpenTelemetry(sourceName: sourceName, configure: o => o.EnableSensitiveData = true)
                .Build(new ServiceCollection().AddSingleton<IPromptRegistry>(registry).BuildServiceProvider());
        }

        var options = new ChatOptions { Tools = [lookup], AdditionalProperties = new() { ["app.flag"] = "kept" } }
            .WithContract(Contract, new { customer = "Ada" })
            .WithTenant("acme", "u-7")
            .WithIdempotencyKey("request-1")
            .WithContextSource(new ContextSource("kb-12", "knowledge base"));
        options.AdditionalProperties![TokenBudgetOptions.MaxInputTokensKey] = 40_000;

        using (services)
        using (client)
        {
            ChatResponse response = await client.AskAsync("Where are my orders?", options, streaming);
            Assert.Equal("Both orders shipped.", response.Text);
        }

        Assert.Equal(3, provider.Requests.Count);
        foreach (ScriptedRequest request in provider.Requests)
        {
            AdditionalPropertiesDictionary properties = Assert.IsType<AdditionalPropertiesDictionary>(request.Options!.AdditionalProperties);
            Assert.DoesNotContain(properties.Keys, key => key.StartsWith("contracts_ai", StringComparison.Ordinal));
            Assert.Equal("kept", properties["app.flag"]);
        }

        Activity[] chats = spans.Where(s => s.OperationName.StartsWith("chat", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, chats.Length);
        Assert.All(chats, chat =>
        {
            // MEAI's telemetry does tag the app's own properties, so a governance entry would show up here.
            Assert.Contains(chat.TagObjects, tag => tag.Key.Contains("app.flag", StringComparison.Ordinal));
            Assert.DoesNotContain(chat.TagObjects, tag => tag.Key.Contains("contracts_ai", StringComparison.Ordinal) || tag.Value is GovernanceContext);
        });

        // The caller's options are left as they were.
        GovernanceContext context = options.GetGovernanceContext()!;
        Assert.Equal(("acme", "u-7", "request-1", (string?)null), (context.TenantId, context.UserId, context.IdempotencyKey, context.ContractVersion));
        Assert.Single(context.ContextSources);
        Assert.Equal(40_000, options.AdditionalProperties[TokenBudgetOptions.MaxInputTokensKey]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_provider_can_read_the_current_governance_but_a_tool_and_the_caller_cannot(bool streaming)
    {
        var seenByProvider = new ConcurrentQueue<string?>();
        GovernanceContext? seenByTool = null;
        var provider = new ScriptedChatClient(request =>
        {
            seenByProvider.Enqueue(GovernanceContext.Current?.ContractId);
            return request.Messages.Any(m => m.Role == ChatRole.Tool) ? ScriptedTurn.Reply("done") : ScriptedTurn.CallTool("probe", callId: "c1");
        });
        AIFunction probe = AIFunctionFactory.Create(() => { seenByTool = GovernanceContext.Current; return "ok"; }, "probe");
        var registry = new InMemoryPromptRegistry();
        registry.Register(new PromptContract { Id = Contract, Version = "1.0.0", Template = "Be brief." });
        using IChatClient client = new ChatClientBuilder(provider).UseGovernedAi()
            .Build(new ServiceCollection().AddSingleton<IPromptRegistry>(registry).BuildServiceProvider());

        await client.AskAsync("go", new ChatOptions { Tools = [probe] }.WithContract(Contract), streaming);

        Assert.Equal([Contract, Contract], seenByProvider);
        Assert.Null(seenByTool);
        Assert.Null(GovernanceContext.Current);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_request_cap_on_input_tokens_still_reaches_the_budget_of_every_model_call(bool streaming)
    {
        var provider = new ScriptedChatClient(
            ScriptedTurn.CallTool("page", new Dictionary<string, object?> { ["n"] = 1 }, "c1"),
            ScriptedTurn.Reply("done")) { ModelId = "gpt-4o" };
        AIFunction page = AIFunctionFactory.Create((int n) => string.Concat(Enumerable.Repeat("a long page of words ", 400)), "page");
        using IChatClient client = new ChatClientBuilder(provider).UseGovernedAi(o => o.TokenBudget.OnOverflow = BudgetOverflowPolicy.Throw).Build();
        var options = new ChatOptions { Tools = [page] }.WithTenant("acme");
        options.AdditionalProperties![TokenBudgetOptions.MaxInputTokensKey] = 600;

        // The first call fits the cap; the tool's result does not, and the second model call is stopped before the provider.
        await Assert.ThrowsAsync<ContextBudgetExceededException>(() => client.AskAsync("read it", options, streaming));

        Assert.Equal(1, provider.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_governed_call_made_from_inside_a_tool_has_its_own_state(bool streaming)
    {
        var innerProvider = new ScriptedChatClient(_ => ScriptedTurn.Reply("inner answer"));
        using IChatClient innerGoverned = new ChatClientBuilder(innerProvider).UseContracts().Build();
        AIFunction ask = AIFunctionFactory.Create(async () => (await innerGoverned.GetResponseAsync("nested")).Text, "ask_helper");
        var outerProvider = new ScriptedChatClient(ScriptedTurn.CallTool("ask_helper", callId: "c1"), ScriptedTurn.Reply("outer answer"));
        var registry = new InMemoryPromptRegistry();
        registry.Register(new PromptContract { Id = Contract, Version = "1.0.0", Template = "Outer prompt." });
        using IChatClient outer = new ChatClientBuilder(outerProvider).UseGovernedAi()
            .Build(new ServiceCollection().AddSingleton<IPromptRegistry>(registry).BuildServiceProvider());

        ChatResponse response = await outer.AskAsync("go", new ChatOptions { Tools = [ask] }.WithContract(Contract), streaming);

        Assert.Equal("outer answer", response.Text);
        // The nested call made without a contract is not governed by the outer call's contract.
        ScriptedRequest nested = Assert.Single(innerProvider.Requests);
        Assert.Null(nested.Options?.Instructions);
        Assert.Equal("Outer prompt.", outerProvider.Requests[0].Options!.Instructions);
    }
}
