using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Contracts.Ai.Tests.Memory;

public class InMemorySessionStoreTests
{
    private static readonly SessionKey Key = new("acme", "u1", "s1");

    private static SessionTurn Turn(string text) => new([new ChatMessage(ChatRole.User, text)], 3, "o200k_base");

    [Fact]
    public async Task A_session_keeps_at_most_MaxTurns_dropping_the_oldest()
    {
        var store = new InMemorySessionStore();
        for (int i = 0; i < 10; i++)
        {
            await store.AppendAsync(Key, Turn($"t{i}"), maxTurns: 3, TimeSpan.FromHours(1));
        }

        IReadOnlyList<SessionTurn> turns = await store.LoadAsync(Key);

        Assert.Equal(["t7", "t8", "t9"], turns.Select(t => t.Messages[0].Text));
    }

    [Fact]
    public async Task An_idle_session_expires_and_an_append_renews_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var store = new InMemorySessionStore(timeProvider: clock);
        await store.AppendAsync(Key, Turn("a"), 10, TimeSpan.FromMinutes(10));
        clock.Advance(TimeSpan.FromMinutes(9));
        await store.AppendAsync(Key, Turn("b"), 10, TimeSpan.FromMinutes(10));
        clock.Advance(TimeSpan.FromMinutes(9));

        Assert.Equal(2, (await store.LoadAsync(Key)).Count);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(await store.LoadAsync(Key));
        await store.AppendAsync(Key, Turn("c"), 10, TimeSpan.FromMinutes(10));
        Assert.Equal(["c"], (await store.LoadAsync(Key)).Select(t => t.Messages[0].Text));
    }

    [Fact]
    public async Task Expired_sessions_are_swept_so_memory_does_not_grow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var store = new InMemorySessionStore(timeProvider: clock);
        for (int i = 0; i < 100; i++)
        {
            await store.AppendAsync(Key with { SessionId = $"s{i}" }, Turn("x"), 10, TimeSpan.FromMinutes(1));
        }

        clock.Advance(TimeSpan.FromMinutes(5));
        await store.AppendAsync(Key with { SessionId = "new" }, Turn("x"), 10, TimeSpan.FromMinutes(1));

        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task A_full_store_drops_the_least_recently_used_sessions()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var store = new InMemorySessionStore(capacity: 20, clock);
        for (int i = 0; i < 20; i++)
        {
            await store.AppendAsync(Key with { SessionId = $"s{i}" }, Turn("x"), 10, TimeSpan.FromDays(1));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        await store.AppendAsync(Key with { SessionId = "s0" }, Turn("y"), 10, TimeSpan.FromDays(1));
        await store.AppendAsync(Key with { SessionId = "s20" }, Turn("x"), 10, TimeSpan.FromDays(1));

        Assert.True(store.Count <= 20);
        Assert.Equal(2, (await store.LoadAsync(Key with { SessionId = "s0" })).Count);
        Assert.Empty(await store.LoadAsync(Key with { SessionId = "s1" }));
        Assert.Single(await store.LoadAsync(Key with { SessionId = "s20" }));
    }

    [Fact]
    public async Task Concurrent_appends_to_one_session_all_land()
    {
        var store = new InMemorySessionStore();

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => Task.Run(async () => await store.AppendAsync(Key, Turn($"t{i}"), 5000, TimeSpan.FromHours(1)))));

        IReadOnlyList<SessionTurn> turns = await store.LoadAsync(Key);
        Assert.Equal(1000, turns.Select(t => t.Messages[0].Text).Distinct().Count());
    }

    [Fact]
    public async Task Appends_racing_with_ForgetUser_never_resurrect_a_forgotten_turn_or_lose_a_later_one()
    {
        var store = new InMemorySessionStore();
        await store.AppendAsync(Key, Turn("before"), 100, TimeSpan.FromHours(1));

        Task appends = Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () => await store.AppendAsync(Key, Turn($"t{i}"), 1000, TimeSpan.FromHours(1)))));
        await store.ForgetUserAsync("acme", "u1");
        await appends;
        await store.AppendAsync(Key, Turn("after"), 1000, TimeSpan.FromHours(1));

        IReadOnlyList<SessionTurn> turns = await store.LoadAsync(Key);
        Assert.DoesNotContain(turns, t => t.Messages[0].Text == "before");
        Assert.Equal("after", turns[^1].Messages[0].Text);
    }

    [Fact]
    public async Task Forgetting_is_scoped_by_tenant_and_user()
    {
        var store = new InMemorySessionStore();
        SessionKey[] keys = [new(null, "u1", "a"), new("acme", "u1", "a"), new("acme", "u1", "b"), new("acme", "u2", "a"), new("acme", null, "a")];
        foreach (SessionKey key in keys)
        {
            await store.AppendAsync(key, Turn("x"), 10, TimeSpan.FromHours(1));
        }

        await store.ForgetUserAsync("acme", "u1");
        await store.ForgetSessionAsync(null, "u1", "a");

        Assert.Empty(await store.LoadAsync(keys[0]));
        Assert.Empty(await store.LoadAsync(keys[1]));
        Assert.Empty(await store.LoadAsync(keys[2]));
        Assert.Single(await store.LoadAsync(keys[3]));
        Assert.Single(await store.LoadAsync(keys[4]));
    }

    [Fact]
    public async Task Bad_keys_and_arguments_are_refused()
    {
        var store = new InMemorySessionStore();

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.LoadAsync(new SessionKey("acme", "u1", " ")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.LoadAsync(new SessionKey("", "u1", "s")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.AppendAsync(Key, Turn("x"), 0, TimeSpan.FromHours(1)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ForgetUserAsync("acme", ""));
    }
}
