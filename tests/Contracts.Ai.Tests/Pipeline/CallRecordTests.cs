using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Audit;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Contracts.Ai.Tests.Pipeline;

/// <summary>Each stage writes its own decision record of an observed call; the call record collects them for the audit.</summary>
[Collection(global::Contracts.Ai.Tests.Telemetry.TelemetryCollection.Name)]
public class CallRecordTests
{
    private static readonly PromptContract Contract = new() { Id = "records.reply", Version = "1.0.0", Template = "Answer briefly." };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Only_the_stages_that_decided_leave_a_record_and_the_audit_collects_each(bool streaming)
    {
        CallRecord? seen = null;
        var model = new ScriptedChatClient(request =>
        {
            seen = GovernedCall.ObservedRecord;
            return ScriptedTurn.Reply("Shipped.");
        });
        var sink = new DecisionAuditTests.CollectingSink();
        var services = new ServiceCollection();
        services.AddSingleton<IAuditSink>(sink);
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi().AddContract(Contract);
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await client.AskAsync("Where is my parcel?", new ChatOptions { ModelId = "gpt-4o" }.WithContract(Contract.Id), streaming);

        Assert.NotNull(seen);
        Assert.Equal(("records.reply", "1.0.0"), (seen.Contract?.Id, seen.Contract?.Version));
        Assert.NotNull(seen.Budget);
        Assert.Null(seen.Idempotency);
        Assert.Null(seen.Routing);
        Assert.Null(seen.ToolCalls);
        DecisionRecord audited = Assert.Single(sink.Records);
        Assert.Equal(seen.Contract!.RenderedPromptHash, audited.RenderedPromptHash);
        Assert.Equal(seen.Budget!.TokensBefore, audited.TokensBeforeBudget);
        Assert.Equal("passed", audited.ValidationOutcome);
        Assert.Null(audited.IdempotencyOutcome);
        Assert.Empty(audited.ToolCalls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unobserved_call_has_no_record(bool streaming)
    {
        bool sawCall = false;
        CallRecord? seen = null;
        var model = new ScriptedChatClient(request =>
        {
            sawCall = GovernedCall.Current is not null;
            seen = GovernedCall.Current?.Record;
            return ScriptedTurn.Reply("Shipped.");
        });
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract);
        using IChatClient client = new ChatClientBuilder(model)
            .UseGovernedAi()
            .Build(new ServiceCollection().AddSingleton<IPromptRegistry>(registry).BuildServiceProvider());

        ChatResponse response = await client.AskAsync("Where is my parcel?", new ChatOptions().WithContract(Contract.Id), streaming);

        Assert.Equal("Shipped.", response.Text);
        Assert.True(sawCall);
        Assert.Null(seen);
    }

    [Fact]
    public async Task The_bound_on_contract_tags_belongs_to_the_service_provider_not_the_process()
    {
        string first = "bound-a-" + Guid.NewGuid().ToString("n"), second = "bound-b-" + Guid.NewGuid().ToString("n");
        using var durations = new MetricCollector<double>(null, GovernedAiTelemetry.SourceName, "contracts_ai.request.duration");
        var narrow = new ServiceCollection();
        narrow.AddSingleton(new ContractMetricTags(maxCombinations: 1));
        narrow.AddChatClient(new ScriptedChatClient(_ => ScriptedTurn.Reply("ok")));
        narrow.AddGovernedAi().AddContract(new PromptContract { Id = first, Version = "1.0.0" }).AddContract(new PromptContract { Id = second, Version = "1.0.0" });
        var wide = new ServiceCollection();
        wide.AddChatClient(new ScriptedChatClient(_ => ScriptedTurn.Reply("ok")));
        wide.AddGovernedAi().AddContract(new PromptContract { Id = second, Version = "1.0.0" });
        using ServiceProvider narrowProvider = narrow.BuildServiceProvider(), wideProvider = wide.BuildServiceProvider();

        await narrowProvider.GetRequiredService<IChatClient>().GetResponseAsync("a", new ChatOptions().WithContract(first));
        await narrowProvider.GetRequiredService<IChatClient>().GetResponseAsync("b", new ChatOptions().WithContract(second));
        await wideProvider.GetRequiredService<IChatClient>().GetResponseAsync("c", new ChatOptions().WithContract(second));

        var ids = durations.GetMeasurementSnapshot().Select(m => m.Tags.TryGetValue("contracts_ai.contract.id", out object? id) ? id as string : null).ToList();
        Assert.Contains(first, ids);
        Assert.Contains(ContractMetricTags.Overflow, ids);
        Assert.Single(ids, id => id == second);
        Assert.NotSame(narrowProvider.GetRequiredService<TokenCountCache>(), wideProvider.GetRequiredService<TokenCountCache>());
    }
}
