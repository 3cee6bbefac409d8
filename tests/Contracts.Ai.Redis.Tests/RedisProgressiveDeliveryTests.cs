using System.Collections.Concurrent;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Contracts.Ai.Redis.Tests;

/// <summary>Rollbacks, promotions, label moves and their change history, shared by two app instances through a real redis-server.</summary>
public sealed class RedisProgressiveDeliveryTests : IClassFixture<RedisServer>
{
    private const string Good = """{"priority":"high"}""";
    private readonly RedisServer _server;

    public RedisProgressiveDeliveryTests(RedisServer server) => _server = server;

    [Fact]
    public async Task An_automatic_rollback_on_one_instance_stops_the_candidate_on_the_other_and_both_read_the_change()
    {
        string contract = NewContract();
        using ServiceProvider a = Instance(contract, "a", version => version == "2.0.0" ? "not json at all" : Good);
        using ServiceProvider b = Instance(contract, "b", _ => Good);
        IChatClient chatA = a.GetRequiredService<IChatClient>();
        RolloutManager managerB = b.GetRequiredService<RolloutManager>();
        await AskAsync(b.GetRequiredService<IChatClient>(), contract, "warm-up");

        for (int i = 0; i < 120 && !a.GetRequiredService<RolloutManager>().IsRolledBack(contract, "2.0.0"); i++)
        {
            await AskAsync(chatA, contract, $"u{i}");
        }

        await WaitUntilAsync(async () =>
        {
            await AskAsync(b.GetRequiredService<IChatClient>(), contract, "poll");
            return managerB.IsRolledBack(contract, "2.0.0");
        });
        PromptChangeEvent change = Assert.Single(await WaitForChangesAsync(managerB, contract, 1));
        Assert.Equal((PromptChangeKind.RolledBack, "auto-rollback", "a", "2.0.0", "1.0.0"), (change.Kind, change.ChangedBy, change.InstanceId, change.FromVersion, change.ToVersion));
        // Every candidate answer failed; it is rolled back once it and the baseline both have MinimumSamples (20) outcomes.
        System.Text.RegularExpressions.Match counts = System.Text.RegularExpressions.Regex.Match(change.Reason!, @"^failure rate 100\.0 % \((\d+) of \1\)");
        Assert.True(counts.Success, change.Reason);
        Assert.InRange(int.Parse(counts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 20, 40);
    }

    [Fact]
    public async Task A_promotion_and_a_label_move_on_one_instance_move_the_label_on_the_other_with_their_history()
    {
        string contract = NewContract();
        var servedByB = new ConcurrentQueue<string>();
        using ServiceProvider a = Instance(contract, "a", _ => Good);
        using ServiceProvider b = Instance(contract, "b", version =>
        {
            servedByB.Enqueue(version);
            return Good;
        });
        await AskAsync(a.GetRequiredService<IChatClient>(), contract, "ada");
        await AskAsync(b.GetRequiredService<IChatClient>(), contract, "ada");

        a.GetRequiredService<RolloutManager>().Promote(contract, changedBy: "ada@acme", reason: "healthy for a week");

        InMemoryPromptRegistry registryB = b.GetRequiredService<InMemoryPromptRegistry>();
        await WaitUntilAsync(() => Task.FromResult(registryB.Resolve(contract, "production").Version == "2.0.0"));
        servedByB.Clear();
        for (int i = 0; i < 20; i++)
        {
            await AskAsync(b.GetRequiredService<IChatClient>(), contract, $"u{i}");
        }

        Assert.All(servedByB, v => Assert.Equal("2.0.0", v));

        a.GetRequiredService<InMemoryPromptRegistry>().SetLabel(contract, "production", "1.0.0", "bob", "pager went off");
        await WaitUntilAsync(() => Task.FromResult(registryB.Resolve(contract, "production").Version == "1.0.0"));
        IReadOnlyList<PromptChangeEvent> history = await WaitForChangesAsync(b.GetRequiredService<RolloutManager>(), contract, 2);
        Assert.Equal([PromptChangeKind.LabelMoved, PromptChangeKind.Promoted], history.Select(c => c.Kind));
        Assert.Equal(("bob", "pager went off", "a"), (history[0].ChangedBy, history[0].Reason, history[0].InstanceId));
        Assert.Equal(("1.0.0", "2.0.0", "ada@acme"), (history[1].FromVersion, history[1].ToVersion, history[1].ChangedBy));
    }

    [Fact]
    public async Task A_move_refused_on_one_instance_reaches_neither_the_fleet_nor_the_history()
    {
        string contract = NewContract();
        using ServiceProvider a = Instance(contract, "a", _ => Good, s => s.AddSingleton<IPromptChangeAuthorizer>(new FrozenLabels()));
        using ServiceProvider b = Instance(contract, "b", _ => Good);
        InMemoryPromptRegistry registryA = a.GetRequiredService<InMemoryPromptRegistry>();

        PromptChangeRefusedException refused = Assert.Throws<PromptChangeRefusedException>(() => registryA.SetLabel(contract, "production", "2.0.0", "mallory", "because"));
        await Task.Delay(600);

        Assert.Equal("change freeze until Monday", refused.Reason);
        Assert.Equal("1.0.0", registryA.Resolve(contract, "production").Version);
        Assert.Equal("1.0.0", b.GetRequiredService<InMemoryPromptRegistry>().Resolve(contract, "production").Version);
        Assert.Empty(await b.GetRequiredService<RolloutManager>().GetChangesAsync(contract));
    }

    [Fact]
    public async Task The_store_keeps_changes_newest_first_and_skips_entries_it_cannot_read()
    {
        string prefix = "test-" + Guid.NewGuid().ToString("N")[..8] + ":";
        IConnectionMultiplexer connection = _server.Connect();
        var store = new RedisPromptLabelStore(connection, prefix);
        for (int i = 0; i < 3; i++)
        {
            await store.AppendChangeAsync(new PromptChangeEvent
            {
                Kind = PromptChangeKind.LabelMoved,
                ContractId = "c",
                Label = "production",
                FromVersion = $"1.{i}.0",
                ToVersion = $"1.{i + 1}.0",
                ChangedBy = "ada",
                Reason = "ünïcode \ud83d\ude80 reason",
                Timestamp = new DateTimeOffset(2026, 12, 1, 9, i, 0, TimeSpan.Zero),
                InstanceId = "a",
            });
        }

        await connection.GetDatabase().ListLeftPushAsync(prefix + "changes:c", "{not json");

        IReadOnlyList<PromptChangeEvent> changes = await store.GetChangesAsync("c", maxCount: 3);

        Assert.Equal(["1.2.0", "1.1.0"], changes.Select(c => c.FromVersion));
        Assert.Equal("ünïcode \ud83d\ude80 reason", changes[0].Reason);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 2, 0, TimeSpan.Zero), changes[0].Timestamp);
        Assert.Empty(await store.GetChangesAsync("other"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.GetChangesAsync("c", maxCount: 0));
    }

    private ServiceProvider Instance(string contract, string instance, Func<string, string> answer, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        configure?.Invoke(services);
        services.AddGovernedAi(
                _ => new ScriptedChatClient(request => ScriptedTurn.Reply(answer(VersionOf(request)))),
                o =>
                {
                    o.Routing.StateRefreshInterval = TimeSpan.FromMilliseconds(200);
                    o.Routing.InstanceId = instance;
                })
            .UseRedis(_server.Connect())
            .AddContract(Triage(contract, "1.0.0"))
            .AddContract(Triage(contract, "2.0.0"))
            .SetContractLabel(contract, "production", "1.0.0")
            .AddRollout(contract, r =>
            {
                r.Variants.Add(new RolloutVariant { Version = "1.0.0", Weight = 50 });
                r.Variants.Add(new RolloutVariant { Version = "2.0.0", Weight = 50 });
            });
        ServiceProvider provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IPromptRegistry>();
        return provider;
    }

    private static PromptContract Triage(string id, string version) => new()
    {
        Id = id,
        Version = version,
        Template = $"Triage the ticket. [{version}]",
        OutputSchema = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"priority":{"enum":["low","high"]}},"required":["priority"]}""").RootElement,
        OnFailure = ContractFailurePolicy.Reask,
        MaxReasks = 1,
    };

    /// <summary>The version whose prompt the model received (label traffic names no version; the rendered prompt does).</summary>
    private static string VersionOf(ScriptedRequest request)
    {
        string instructions = request.Options?.Instructions ?? string.Empty;
        int open = instructions.LastIndexOf('[');
        int close = open < 0 ? -1 : instructions.IndexOf(']', open);
        return close > open ? instructions[(open + 1)..close] : "<none>";
    }

    private static string NewContract() => "triage-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task AskAsync(IChatClient chat, string contract, string user)
    {
        try
        {
            await chat.GetResponseAsync("Printer on fire", new ChatOptions().WithContract(contract).WithTenant("acme", user));
        }
        catch (ContractViolationException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the fleet did not converge within 10 s");
    }

    private static async Task<IReadOnlyList<PromptChangeEvent>> WaitForChangesAsync(RolloutManager manager, string contract, int count)
    {
        IReadOnlyList<PromptChangeEvent> changes = [];
        await WaitUntilAsync(async () => (changes = await manager.GetChangesAsync(contract)).Count >= count);
        return changes;
    }

    private sealed class FrozenLabels : IPromptChangeAuthorizer
    {
        public bool TryAuthorize(PromptChangeEvent change, out string? refusal)
        {
            refusal = "change freeze until Monday";
            return false;
        }
    }
}
