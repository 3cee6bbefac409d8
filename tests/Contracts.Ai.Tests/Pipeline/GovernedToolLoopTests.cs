using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Ai.Tests.Pipeline;

public class GovernedToolLoopTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_declaration_only_tool_makes_MEAI_loop_return_the_call_instead_of_running_it(bool streaming)
    {
        int runs = 0;
        AIFunction tool = AIFunctionFactory.Create(() => ++runs, "count");
        var provider = new ScriptedChatClient(ScriptedTurn.CallTool("count", callId: "c1"), ScriptedTurn.Reply("never asked"));
        using IChatClient appLoop = new ChatClientBuilder(provider).UseFunctionInvocation().Build();

        ChatResponse response = await appLoop.AskAsync("go", new ChatOptions { Tools = [tool.AsDeclarationOnly()] }, streaming);

        Assert.Equal(0, runs);
        Assert.Equal(1, provider.CallCount);
        FunctionCallContent call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("c1", call.CallId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_app_loop_settings_govern_the_governed_loop(bool streaming)
    {
        // The app allows one iteration: its loop, now the governed one, stops after the first tool round.
        var provider = new ScriptedChatClient(_ => ScriptedTurn.CallTool("ping", callId: Guid.NewGuid().ToString("n")));
        int runs = 0;
        AIFunction ping = AIFunctionFactory.Create(() => Interlocked.Increment(ref runs), "ping");
        var services = new ServiceCollection();
        services.AddChatClient(provider).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 2);
        services.AddGovernedAi();
        using ServiceProvider sp = services.BuildServiceProvider();
        IChatClient client = sp.GetRequiredService<IChatClient>();

        await client.AskAsync("go", new ChatOptions { Tools = [ping] }, streaming);

        Assert.Equal(2, runs);
        Assert.Equal(3, provider.CallCount);
        FunctionInvokingChatClient loop = Assert.IsType<FunctionInvokingChatClient>(client.GetService<FunctionInvokingChatClient>());
        Assert.Equal(2, loop.MaximumIterationsPerRequest);
    }

    [Fact]
    public void An_app_loop_holding_tools_of_its_own_fails_when_the_pipeline_is_built_and_says_what_to_change()
    {
        AIFunction audit = AIFunctionFactory.Create(() => "ok", "audit_log");
        var services = new ServiceCollection();
        services.AddChatClient(new ScriptedChatClient()).UseFunctionInvocation(configure: f => f.AdditionalTools = [audit]);
        services.AddGovernedAi();
        using ServiceProvider sp = services.BuildServiceProvider();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<IChatClient>());

        Assert.Contains("AdditionalTools (audit_log)", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatOptions.Tools", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_app_loop_holding_tools_of_its_own_stops_the_host_at_start_before_any_request(bool keyed)
    {
        AIFunction audit = AIFunctionFactory.Create(() => "ok", "audit_log");
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        var provider = new ScriptedChatClient(ScriptedTurn.Reply("never asked"));
        if (keyed)
        {
            builder.Services.AddKeyedChatClient("support", provider).UseFunctionInvocation(configure: f => f.AdditionalTools = [audit]);
        }
        else
        {
            builder.Services.AddChatClient(provider).UseFunctionInvocation(configure: f => f.AdditionalTools = [audit]);
        }

        builder.Services.AddGovernedAi();
        using IHost host = builder.Build();

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("AdditionalTools (audit_log)", error.Message, StringComparison.Ordinal);
        Assert.Contains("ChatOptions.Tools", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, provider.CallCount);
    }

    [Fact]
    public async Task A_governable_registration_starts_and_is_built_once_at_start()
    {
        int built = 0;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddChatClient(_ =>
        {
            built++;
            return new ScriptedChatClient(ScriptedTurn.Reply("hello"));
        }).UseFunctionInvocation();
        builder.Services.AddGovernedAi();
        using IHost host = builder.Build();

        await host.StartAsync();
        ChatResponse response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync("hi");
        await host.StopAsync();

        Assert.Equal("hello", response.Text);
        Assert.Equal(1, built);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tools_run_once_on_both_adoption_paths(bool dependencyInjection)
    {
        var provider = new ScriptedChatClient(ScriptedTurn.CallTool("lookup", new Dictionary<string, object?> { ["id"] = 7 }, "c1"), ScriptedTurn.Reply("done"));
        int runs = 0;
        AIFunction lookup = AIFunctionFactory.Create((int id) => { Interlocked.Increment(ref runs); return $"order {id}"; }, "lookup");
        ServiceProvider? sp = null;
        if (dependencyInjection)
        {
            var services = new ServiceCollection();
            services.AddChatClient(provider).UseFunctionInvocation();
            services.AddGovernedAi();
            sp = services.BuildServiceProvider();
        }

        using (sp)
        {
            IChatClient client = sp?.GetRequiredService<IChatClient>() ?? new ChatClientBuilder(provider).UseGovernedAi().Build();

            ChatResponse response = await client.GetResponseAsync("go", new ChatOptions { Tools = [lookup] });

            Assert.Equal("done", response.Text);
            Assert.Equal(1, runs);

            // The app's own loop (MEAI's, skipped below the governed one) ran nothing: the provider only ever sees the tool governed.
            Assert.All(provider.Requests, r => Assert.IsType<GovernedAIFunction>(Assert.Single(r.Options!.Tools!)));
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task A_loop_that_still_runs_below_the_governed_one_is_handed_declarations_only_and_relays(bool streaming, bool derived)
    {
        var provider = new ScriptedChatClient(request =>
            request.Messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any())
                ? ScriptedTurn.Reply("done")
                : ScriptedTurn.CallTool("lookup", new Dictionary<string, object?> { ["id"] = 7 }, "c1"));
        int runs = 0;
        AIFunction lookup = AIFunctionFactory.Create((int id) => { Interlocked.Increment(ref runs); return $"order {id}"; }, "lookup");
        var services = new ServiceCollection();
        ChatClientBuilder app = services.AddChatClient(provider);
        if (derived)
        {
            // A loop of the app's own type: not skipped, since it may do more than relay.
            app.Use(inner => new AppLoop(inner));
        }
        else
        {
            // MEAI's loop with another one further down: the first is skipped, the second still runs below.
            app.UseFunctionInvocation().Use(inner => new FunctionInvokingChatClient(inner));
        }

        services.AddGovernedAi();
        using ServiceProvider sp = services.BuildServiceProvider();
        IChatClient client = sp.GetRequiredService<IChatClient>();

        ChatResponse response = await client.AskAsync("go", new ChatOptions { Tools = [lookup] }, streaming);

        Assert.Equal("done", response.Text);
        Assert.Equal(1, runs);
        Assert.Equal(2, provider.CallCount);
        Assert.All(provider.Requests, r => Assert.False(Assert.Single(r.Options!.Tools!) is AIFunction, "The loop below was handed an invocable tool."));
    }

    private sealed class AppLoop(IChatClient inner) : FunctionInvokingChatClient(inner);
}
