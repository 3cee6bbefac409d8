using System.Diagnostics;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace Contracts.Ai.Redis.Tests;

public sealed class RedisPromptLabelStoreTests : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);
    private readonly RedisServer _server;

    public RedisPromptLabelStoreTests(RedisServer server) => _server = server;

    [Fact]
    public async Task A_label_moved_on_one_instance_reaches_a_second_instance_through_redis_and_so_does_its_rollback()
    {
        string contract = NewContractId();
        using ServiceProvider a = Instance(_server, contract);
        using ServiceProvider b = Instance(_server, contract);
        IPromptRegistry registryB = b.GetRequiredService<IPromptRegistry>();
        Assert.Equal("1.0.0", registryB.Resolve(contract).Version);

        a.GetRequiredService<IPromptRegistry>().SetLabel(contract, PromptLabels.Production, "2.0.0");
        bool moved = await EventuallyAsync(() => registryB.Resolve(contract).Version == "2.0.0");
        a.GetRequiredService<InMemoryPromptRegistry>().RollbackLabel(contract, PromptLabels.Production);
        bool rolledBack = await EventuallyAsync(() => registryB.Resolve(contract).Version == "1.0.0");

        Assert.True(moved, "instance B did not see the move");
        Assert.True(rolledBack, "instance B did not see the rollback");
        using ConnectionMultiplexer connection = _server.Connect();
        IReadOnlyDictionary<string, string> stored = await new RedisPromptLabelStore(connection).GetLabelsAsync(contract);
        Assert.Equal("1.0.0", stored[PromptLabels.Production + "@1.0.0"]); // the move, qualified by where code put the label
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Governed_calls_on_the_second_instance_run_the_version_the_shared_label_points_at(bool streaming)
    {
        string contract = NewContractId();
        using ServiceProvider a = Instance(_server, contract);
        using ServiceProvider b = Instance(_server, contract);
        IChatClient client = b.GetRequiredService<IChatClient>();
        IPromptRegistry registryB = b.GetRequiredService<IPromptRegistry>();

        await AskAsync(client, contract, streaming);
        a.GetRequiredService<IPromptRegistry>().SetLabel(contract, PromptLabels.Production, "2.0.0");
        Assert.True(await EventuallyAsync(() => registryB.Resolve(contract).Version == "2.0.0"));
        await AskAsync(client, contract, streaming);

        Assert.Equal(["Triage v1.", "Triage v2."], b.GetRequiredService<ScriptedChatClient>().Requests.Select(r => r.Options?.Instructions));
    }

    [Fact]
    public async Task A_stored_version_this_instance_does_not_have_is_ignored_and_the_local_position_kept()
    {
        string contract = NewContractId();
        using ServiceProvider b = Instance(_server, contract);
        IPromptRegistry registry = b.GetRequiredService<IPromptRegistry>();
        FakeLogCollector logs = b.GetFakeLogCollector();

        using (ConnectionMultiplexer connection = _server.Connect())
        {
            await new RedisPromptLabelStore(connection).SetLabelAsync(contract, PromptLabels.Production, "9.9.9");
        }

        bool warned = await EventuallyAsync(() => logs.GetSnapshot().Any(r => r.Id.Id == 7011));

        Assert.True(warned, "no warning about the unknown version");
        Assert.Equal("1.0.0", registry.Resolve(contract).Version);
        ChatResponse answer = await b.GetRequiredService<IChatClient>().GetResponseAsync("ticket", new ChatOptions().WithContract(contract));
        Assert.Equal("ok", answer.Text);
        Assert.Equal("Triage v1.", b.GetRequiredService<ScriptedChatClient>().Requests[^1].Options?.Instructions);
    }

    [Fact]
    public async Task When_redis_goes_down_calls_and_label_moves_keep_working_on_the_last_known_positions()
    {
        using var server = new RedisServer();
        string contract = NewContractId();
        using ServiceProvider a = Instance(server, contract);
        IChatClient client = a.GetRequiredService<IChatClient>();
        IPromptRegistry registry = a.GetRequiredService<IPromptRegistry>();
        a.GetRequiredService<IPromptRegistry>().SetLabel(contract, PromptLabels.Production, "2.0.0");
        using (ConnectionMultiplexer connection = server.Connect())
        {
            Assert.True(await EventuallyAsync(async () => (await new RedisPromptLabelStore(connection).GetLabelsAsync(contract)).Count == 1));
        }

        server.Kill();
        bool logged = await EventuallyAsync(() => a.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Id == 7013));
        string afterOutage = registry.Resolve(contract).Version;
        registry.SetLabel(contract, PromptLabels.Production, "1.0.0");
        ChatResponse plain = await client.GetResponseAsync("ticket", new ChatOptions().WithContract(contract));
        ChatResponse streamed = await client.GetStreamingResponseAsync("ticket", new ChatOptions().WithContract(contract)).ToChatResponseAsync();

        Assert.True(logged, "the outage was not logged");
        Assert.Equal("2.0.0", afterOutage);
        Assert.Equal("ok", plain.Text);
        Assert.Equal("ok", streamed.Text);
        Assert.Equal(["Triage v1.", "Triage v1."], a.GetRequiredService<ScriptedChatClient>().Requests.TakeLast(2).Select(r => r.Options?.Instructions));
    }

    [Fact]
    public async Task UseRedis_shares_label_positions_through_redis()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient()).UseRedis(_server.ConnectionString);
        await using ServiceProvider provider = services.BuildServiceProvider();

        Assert.IsType<RedisPromptLabelStore>(provider.GetRequiredService<IPromptLabelStore>());
    }

    [Fact]
    public async Task The_store_round_trips_positions_per_contract_and_label()
    {
        using ConnectionMultiplexer connection = _server.Connect();
        var store = new RedisPromptLabelStore(connection, "test-" + Guid.NewGuid().ToString("N")[..8] + ":");

        await store.SetLabelAsync("c", "production", "1.0.0");
        await store.SetLabelAsync("c", "production", "2.0.0");
        await store.SetLabelAsync("c", "canary", "3.0.0-rc.1");

        Assert.Equal(new Dictionary<string, string> { ["production"] = "2.0.0", ["canary"] = "3.0.0-rc.1" }, await store.GetLabelsAsync("c"));
        Assert.Empty(await store.GetLabelsAsync("other"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public async Task The_store_rejects_blank_arguments_naming_them_and_writes_nothing(string? blank)
    {
        string prefix = "test-" + Guid.NewGuid().ToString("N")[..8] + ":";
        using ConnectionMultiplexer connection = _server.Connect();
        var store = new RedisPromptLabelStore(connection, prefix);

        ArgumentException id = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetLabelAsync(blank!, "production", "1.0.0").AsTask());
        ArgumentException label = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetLabelAsync("c", blank!, "1.0.0").AsTask());
        ArgumentException version = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetLabelAsync("c", "production", blank!).AsTask());
        ArgumentException read = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetLabelsAsync(blank!).AsTask());

        Assert.Equal("contractId", id.ParamName);
        Assert.Equal("label", label.ParamName);
        Assert.Equal("version", version.ParamName);
        Assert.Equal("contractId", read.ParamName);
        Assert.Empty(await store.GetLabelsAsync("c"));
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => new RedisPromptLabelStore(null!)).ParamName);
        Assert.Equal("keyPrefix", Assert.Throws<ArgumentNullException>(() => new RedisPromptLabelStore(connection, null!)).ParamName);
    }

    [Fact]
    public async Task Apps_with_their_own_fleet_state_prefix_share_one_redis_without_moving_each_others_labels()
    {
        string contract = NewContractId();
        using ServiceProvider billing = Instance(_server, contract, o => o.FleetStateKeyPrefix = "billing:");
        using ServiceProvider billing2 = Instance(_server, contract, o => o.FleetStateKeyPrefix = "billing:");
        using ServiceProvider support = Instance(_server, contract, o => o.FleetStateKeyPrefix = "support:");

        billing.GetRequiredService<IPromptRegistry>().SetLabel(contract, PromptLabels.Production, "2.0.0");
        bool sameApp = await EventuallyAsync(() => billing2.GetRequiredService<IPromptRegistry>().Resolve(contract).Version == "2.0.0");

        Assert.True(sameApp, "the second billing instance did not see the move");
        Assert.Equal("1.0.0", support.GetRequiredService<IPromptRegistry>().Resolve(contract).Version);
        using ConnectionMultiplexer connection = _server.Connect();
        Assert.Equal("2.0.0", (await new RedisPromptLabelStore(connection, "billing:").GetLabelsAsync(contract))[PromptLabels.Production + "@1.0.0"]);
        Assert.Empty(await new RedisPromptLabelStore(connection, "support:").GetLabelsAsync(contract));
    }

    [Fact]
    public async Task The_configured_database_holds_the_label_positions_and_the_rollback_decisions()
    {
        string contract = NewContractId();
        using ServiceProvider app = Instance(_server, contract, o => o.Database = 3);
        app.GetRequiredService<IPromptRegistry>().SetLabel(contract, PromptLabels.Production, "2.0.0");
        await app.GetRequiredService<IRolloutStateStore>().MarkRolledBackAsync(contract, PromptLabels.Production, "2.0.0", "test");

        using ConnectionMultiplexer connection = _server.Connect();
        bool stored = await EventuallyAsync(async () => (await new RedisPromptLabelStore(connection, database: 3).GetLabelsAsync(contract)).Count == 1);

        Assert.True(stored, "the label position was not written to database 3");
        Assert.Empty(await new RedisPromptLabelStore(connection).GetLabelsAsync(contract));
        Assert.Equal("test", (await new RedisRolloutStateStore(connection, database: 3).GetRolledBackAsync(contract, PromptLabels.Production))["2.0.0"]);
        Assert.Empty(await new RedisRolloutStateStore(connection).GetRolledBackAsync(contract, PromptLabels.Production));
    }

    [Fact]
    public void A_null_fleet_state_prefix_is_rejected_by_name()
    {
        var services = new ServiceCollection();
        IGovernedAiBuilder builder = services.AddGovernedAi(_ => new ScriptedChatClient());

        var error = Assert.Throws<ArgumentException>(() => builder.UseRedis(_server.ConnectionString, o => o.FleetStateKeyPrefix = null!));

        Assert.Contains("FleetStateKeyPrefix", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Instance(RedisServer server, string contract, Action<RedisIdempotencyStoreOptions>? redis = null)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddSingleton(model);
        services.AddGovernedAi(_ => model, o => o.Routing.StateRefreshInterval = Refresh)
            .UseRedis(server.ConnectionString, redis)
            .AddContract(new PromptContract { Id = contract, Version = "1.0.0", Template = "Triage v1." })
            .AddContract(new PromptContract { Id = contract, Version = "2.0.0", Template = "Triage v2." })
            .SetContractLabel(contract, PromptLabels.Production, "1.0.0");
        return services.BuildServiceProvider();
    }

    private static string NewContractId() => "triage-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task AskAsync(IChatClient client, string contract, bool streaming)
    {
        ChatResponse response = streaming
            ? await client.GetStreamingResponseAsync("ticket", new ChatOptions().WithContract(contract)).ToChatResponseAsync()
            : await client.GetResponseAsync("ticket", new ChatOptions().WithContract(contract));
        Assert.Equal("ok", response.Text);
    }

    private static Task<bool> EventuallyAsync(Func<bool> condition) => EventuallyAsync(() => Task.FromResult(condition()));

    /// <summary>Polls until <paramref name="condition"/> holds, for at most 20 seconds: a bound for a busy machine, not a timing assertion.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(25);
        }

        return await condition();
    }
}
