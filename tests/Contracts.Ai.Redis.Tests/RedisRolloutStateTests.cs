using System.Collections.Concurrent;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Redis.Tests;

public sealed class RedisRolloutStateTests : IClassFixture<RedisServer>
{
    private readonly RedisServer _server;

    public RedisRolloutStateTests(RedisServer server) => _server = server;

    [Fact]
    public async Task A_rollback_on_one_instance_reaches_a_second_instance_through_redis()
    {
        string contract = "triage-" + Guid.NewGuid().ToString("N")[..8];
        var seenByB = new ConcurrentDictionary<string, int>();
        using ServiceProvider instanceA = Instance(contract, version =>
            version == "3.2.0"
                ? ScriptedTurn.Fail(new ContractViolationException(contract, version, ["$.priority: not one of low, high"]))
                : ScriptedTurn.Reply("ok"));
        using ServiceProvider instanceB = Instance(contract, version =>
        {
            seenByB.AddOrUpdate(version, 1, (_, n) => n + 1);
            return ScriptedTurn.Reply("ok");
        });
        IChatClient a = instanceA.GetRequiredService<IChatClient>();
        IChatClient b = instanceB.GetRequiredService<IChatClient>();

        // Instance B serves the canary to half its users before anything is known.
        for (int i = 0; i < 40; i++)
        {
            await b.GetResponseAsync("hi", Request(contract, $"u{i}"));
        }

        Assert.True(seenByB.GetValueOrDefault("3.2.0") > 0);

        // Instance A sees the canary fail and rolls it back.
        for (int i = 0; i < 80; i++)
        {
            try
            {
                await a.GetResponseAsync("hi", Request(contract, $"u{i}"));
            }
            catch (ContractViolationException)
            {
            }
        }

        var store = new RedisRolloutStateStore(_server.Connect());
        IReadOnlyDictionary<string, string> rolledBack = await WaitForRollbackAsync(store, contract);
        Assert.True(rolledBack.ContainsKey("3.2.0"));

        // After its refresh interval, instance B sends nobody to the canary.
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        await b.GetResponseAsync("hi", Request(contract, "refresh"));
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        seenByB.Clear();
        for (int i = 0; i < 40; i++)
        {
            await b.GetResponseAsync("hi", Request(contract, $"u{i}"));
        }

        Assert.Equal(40, seenByB.GetValueOrDefault("3.1.0"));
        Assert.False(seenByB.ContainsKey("3.2.0"));
    }

    [Fact]
    public async Task Store_round_trips_mark_get_and_clear()
    {
        var store = new RedisRolloutStateStore(_server.Connect(), "test-" + Guid.NewGuid().ToString("N")[..8] + ":");

        await store.MarkRolledBackAsync("c", "production", "2.0.0", "too many violations");
        IReadOnlyDictionary<string, string> marked = await store.GetRolledBackAsync("c", "production");
        await store.ClearRollbackAsync("c", "production", "2.0.0");
        IReadOnlyDictionary<string, string> cleared = await store.GetRolledBackAsync("c", "production");

        Assert.Equal("too many violations", marked["2.0.0"]);
        Assert.Empty(cleared);
        Assert.Empty(await store.GetRolledBackAsync("c", "canary"));
    }

    private ServiceProvider Instance(string contract, Func<string, ScriptedTurn> answer)
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(
                _ => new ScriptedChatClient(request => answer(GovernanceContext.Current?.ContractVersion ?? "<none>")),
                o => o.Routing.StateRefreshInterval = TimeSpan.FromMilliseconds(200))
            .UseRedis(_server.Connect())
            .AddContract(new PromptContract { Id = contract, Version = "3.1.0", Template = "Triage the ticket." })
            .AddContract(new PromptContract { Id = contract, Version = "3.2.0", Template = "Triage the ticket, briefly." })
            .AddRollout(contract, r =>
            {
                r.Variants.Add(new RolloutVariant { Version = "3.1.0", Weight = 50 });
                r.Variants.Add(new RolloutVariant { Version = "3.2.0", Weight = 50 });
                r.AutoRollback.MinimumSamples = 10;
            });
        return services.BuildServiceProvider();
    }

    private static ChatOptions Request(string contract, string user) => new ChatOptions().WithContract(contract).WithTenant("acme", user);

    private static async Task<IReadOnlyDictionary<string, string>> WaitForRollbackAsync(RedisRolloutStateStore store, string contract)
    {
        for (int i = 0; i < 100; i++)
        {
            IReadOnlyDictionary<string, string> state = await store.GetRolledBackAsync(contract, "production");
            if (state.Count > 0)
            {
                return state;
            }

            await Task.Delay(50);
        }

        return await store.GetRolledBackAsync(contract, "production");
    }
}
