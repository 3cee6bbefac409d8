using System.Diagnostics;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests;

public class GovernedPipelineTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Root_span_carries_the_contract_and_tenant(bool streaming)
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(ScriptedTurn.Reply("fine")))
            .AddContract(new PromptContract { Id = "support.reply", Version = "1.0.0", Template = "Answer kindly." });
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        using var spans = new SpanCollector();

        ChatResponse response = await client.AskAsync("hi", new ChatOptions().WithContract("support.reply").WithTenant("acme"), streaming);

        Assert.Equal("fine", response.Text);
        Activity root = Assert.Single(spans.Named("contracts_ai.request"));
        Assert.Equal("support.reply", root.GetTagItem("contracts_ai.contract.id"));
        Assert.Equal("acme", root.GetTagItem("contracts_ai.tenant.id"));
        Assert.Equal("1.0.0", root.GetTagItem("contracts_ai.contract.version"));
        Assert.Equal(ActivityStatusCode.Unset, root.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Inner_exception_is_recorded_on_the_root_span_and_rethrown_unchanged(bool streaming)
    {
        var failure = new HttpRequestException("upstream 503");
        using IChatClient client = new ChatClientBuilder(new ScriptedChatClient(ScriptedTurn.Fail(failure))).UseGovernedAi().Build();
        using var spans = new SpanCollector();

        HttpRequestException thrown = await Assert.ThrowsAsync<HttpRequestException>(() => client.AskAsync("hi", null, streaming));

        Assert.Same(failure, thrown);
        Activity root = Assert.Single(spans.Named("contracts_ai.request"));
        Assert.Equal(ActivityStatusCode.Error, root.Status);
        Assert.Equal(typeof(HttpRequestException).FullName, root.GetTagItem("error.type"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cancellation_reaches_the_inner_client(bool streaming)
    {
        CancellationToken seen = default;
        var inner = new CallbackChatClient
        {
            OnGetResponse = async (_, _, ct) =>
            {
                seen = ct;
                await Task.Delay(Timeout.Infinite, ct);
                return new ChatResponse();
            },
            OnGetStreamingResponse = (_, _, ct) => CallbackChatClient.Stream(async () =>
            {
                seen = ct;
                await Task.Delay(Timeout.Infinite, ct);
                return new ChatResponse();
            }, ct),
        };
        using IChatClient client = new ChatClientBuilder(inner).UseGovernedAi().Build();
        using var spans = new SpanCollector();
        using var cts = new CancellationTokenSource();

        Task call = client.AskAsync("hi", null, streaming, cts.Token);
        await WaitUntilAsync(() => seen.CanBeCanceled);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(seen.IsCancellationRequested);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(spans.Named("contracts_ai.request")).Status);
    }

    [Fact]
    public async Task Without_a_listener_the_inner_client_gets_a_copy_without_the_governance_data_and_the_callers_options_stay_untouched()
    {
        ChatOptions? seen = null;
        var inner = new CallbackChatClient
        {
            OnGetResponse = (_, options, _) =>
            {
                seen = options;
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
            },
        };
        using IChatClient client = new ChatClientBuilder(inner).UseGovernedAi().Build();
        var options = new ChatOptions().WithTenant("acme");

        await client.GetResponseAsync("hi", options);

        Assert.NotSame(options, seen);
        Assert.Null(seen!.AdditionalProperties);
        Assert.Equal("acme", Assert.Single(options.AdditionalProperties!).Value is GovernanceContext context ? context.TenantId : null);
    }

    [Fact]
    public async Task With_a_listener_the_callers_options_are_not_mutated()
    {
        using IChatClient client = new ChatClientBuilder(new ScriptedChatClient(ScriptedTurn.Reply("ok"))).UseGovernedAi().Build();
        using var spans = new SpanCollector();
        var options = new ChatOptions().WithTenant("acme");

        await client.GetResponseAsync("hi", options);

        Assert.Equal([GovernanceContext.PropertyKey], options.AdditionalProperties!.Keys);
    }

    [Fact]
    public void UseGovernedAi_composes_the_stages_in_the_documented_order()
    {
        using IChatClient client = new ChatClientBuilder(new ScriptedChatClient()).UseGovernedAi().Build();

        (List<Type> order, object? current) = Stages(client);

        Assert.Equal(
            [
                // Per request.
                typeof(GovernedRequestChatClient), typeof(RequestIdempotencyChatClient), typeof(PromptRoutingChatClient), typeof(SessionMemoryChatClient),
                typeof(ContractEnforcingChatClient), typeof(ToolGovernanceChatClient),
                // The tool loop, then per model call.
                typeof(FunctionInvokingChatClient), typeof(DataProtectionChatClient), typeof(TokenBudgetingChatClient),
            ],
            order);
        Assert.IsType<ScriptedChatClient>(current);
    }

    [Fact]
    public void UseGovernedAi_over_an_app_loop_hands_it_declarations_only()
    {
        using IChatClient client = new ChatClientBuilder(new ScriptedChatClient()).UseGovernedAi().UseFunctionInvocation().Build();

        (List<Type> order, _) = Stages(client);

        Assert.Equal(
            [
                typeof(GovernedRequestChatClient), typeof(RequestIdempotencyChatClient), typeof(PromptRoutingChatClient), typeof(SessionMemoryChatClient),
                typeof(ContractEnforcingChatClient), typeof(ToolGovernanceChatClient),
                typeof(FunctionInvokingChatClient), typeof(DataProtectionChatClient), typeof(TokenBudgetingChatClient),
                typeof(ToolDeclarationsChatClient), typeof(FunctionInvokingChatClient),
            ],
            order);
    }

    private static (List<Type> Order, object? Innermost) Stages(IChatClient client)
    {
        var order = new List<Type>();
        object? current = client;
        while (current is DelegatingChatClient delegating)
        {
            order.Add(delegating.GetType());
            current = typeof(DelegatingChatClient).GetProperty("InnerClient", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(delegating);
        }

        return (order, current);
    }

    [Fact]
    public void UseGovernedAi_rejects_invalid_options_naming_the_option()
    {
        var builder = new ChatClientBuilder(new ScriptedChatClient());

        OptionsValidationException ex = Assert.Throws<OptionsValidationException>(() => builder.UseGovernedAi(o => o.TokenBudget.ReservedOutputTokens = -1));

        Assert.Contains("GovernedAi:TokenBudget:ReservedOutputTokens", ex.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
