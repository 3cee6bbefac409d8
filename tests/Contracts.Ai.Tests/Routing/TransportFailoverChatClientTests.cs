using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Routing;

public class TransportFailoverChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_transport_failure_moves_the_call_to_the_secondary_and_shows_on_the_span(bool streaming)
    {
        var primary = new ScriptedChatClient(ScriptedTurn.Fail(new HttpRequestException("connection refused")));
        var secondary = new ScriptedChatClient(ScriptedTurn.Reply("from secondary"));
        using IChatClient client = new ChatClientBuilder(primary).UseGovernedAi().UseTransportFailover(secondary).Build();
        using var spans = new SpanCollector();

        ChatResponse response = await client.AskAsync("hi", null, streaming);

        Assert.Equal("from secondary", response.Text);
        Assert.Equal(1, primary.CallCount);
        Assert.Equal(1, secondary.CallCount);
        System.Diagnostics.Activity root = Assert.Single(spans.Named("contracts_ai.request"));
        Assert.Equal(true, root.GetTagItem("contracts_ai.failover"));
        Assert.Contains(root.Events, e => e.Name == "contracts_ai.failover");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_contract_violation_does_not_fail_over(bool streaming)
    {
        var violation = new ContractViolationException("support.reply", "3.2.0", ["$.priority: missing"]);
        var primary = new ScriptedChatClient(ScriptedTurn.Fail(violation));
        var secondary = new ScriptedChatClient(ScriptedTurn.Reply("from secondary"));
        using IChatClient client = new TransportFailoverChatClient(primary, [secondary]);

        ContractViolationException thrown = await Assert.ThrowsAsync<ContractViolationException>(() => client.AskAsync("hi", null, streaming));

        Assert.Same(violation, thrown);
        Assert.Equal(0, secondary.CallCount);
    }

    [Fact]
    public async Task When_every_client_fails_the_last_failure_surfaces()
    {
        var last = new TimeoutException("secondary timed out");
        using IChatClient client = new TransportFailoverChatClient(
            new ScriptedChatClient(ScriptedTurn.Fail(new HttpRequestException("down"))),
            [new ScriptedChatClient(ScriptedTurn.Fail(last))]);

        TimeoutException thrown = await Assert.ThrowsAsync<TimeoutException>(() => client.GetResponseAsync("hi"));

        Assert.Same(last, thrown);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_does_not_fail_over()
    {
        var secondary = new ScriptedChatClient(ScriptedTurn.Reply("from secondary"));
        using IChatClient client = new TransportFailoverChatClient(
            new ScriptedChatClient(ScriptedTurn.Reply("slow").WithDelay(TimeSpan.FromMinutes(1))), [secondary]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync("hi", cancellationToken: cts.Token));

        Assert.Equal(0, secondary.CallCount);
    }

    [Fact]
    public void Needs_at_least_one_secondary()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new TransportFailoverChatClient(new ScriptedChatClient(), []));

        Assert.Contains("secondary", ex.Message, StringComparison.Ordinal);
    }
}

public class VariantClientChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_variant_can_run_on_another_client(bool streaming)
    {
        var primary = new ScriptedChatClient(_ => ScriptedTurn.Reply("from primary"));
        var other = new ScriptedChatClient(_ => ScriptedTurn.Reply("from the other provider"));
        using IChatClient client = new ChatClientBuilder(primary)
            .UsePromptRouting(o => o.Rollouts["support.reply"] = new RolloutOptions
            {
                Variants =
                {
                    new RolloutVariant { Version = "1.0.0", Weight = 0 },
                    new RolloutVariant { Version = "1.1.0", Weight = 100, ClientKey = "other" },
                },
            })
            .UseVariantClients(new Dictionary<string, IChatClient> { ["other"] = other })
            .Build();

        ChatResponse routed = await client.AskAsync("hi", new ChatOptions().WithContract("support.reply").WithTenant("acme", "ada"), streaming);
        ChatResponse plain = await client.AskAsync("hi", new ChatOptions(), streaming);

        Assert.Equal("from the other provider", routed.Text);
        Assert.Equal("from primary", plain.Text);
    }

    [Fact]
    public async Task An_unknown_client_key_names_the_key()
    {
        using IChatClient client = new VariantClientChatClient(new ScriptedChatClient(), new Dictionary<string, IChatClient>());
        var options = new ChatOptions { AdditionalProperties = new() { [VariantClientChatClient.ClientKeyProperty] = "missing" } };

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync("hi", options));

        Assert.Contains("'missing'", ex.Message, StringComparison.Ordinal);
    }
}
