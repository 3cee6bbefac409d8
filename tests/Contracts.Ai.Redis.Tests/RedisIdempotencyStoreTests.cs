using Contracts.Ai.Tests.Idempotency;
using StackExchange.Redis;

namespace Contracts.Ai.Redis.Tests;

public sealed class RedisIdempotencyStoreTests : IdempotencyStoreContractTests, IClassFixture<RedisServer>, IDisposable
{
    private readonly ConnectionMultiplexer _connection;
    private readonly string _prefix = $"test:{Guid.NewGuid():N}:";
    private readonly RedisIdempotencyStore _store;

    public RedisIdempotencyStoreTests(RedisServer server)
    {
        Server = server;
        _connection = server.Connect();
        _store = new RedisIdempotencyStore(_connection, new RedisIdempotencyStoreOptions { KeyPrefix = _prefix });
    }

    private RedisServer Server { get; }

    protected override IIdempotencyStore Store => _store;

    public void Dispose() => _connection.Dispose();

    protected override async Task ExpireAsync(string key)
    {
        // Redis owns the clock of its records: shorten the record's life to 1 ms and wait until Redis drops it.
        IDatabase database = _connection.GetDatabase();
        await database.KeyExpireAsync(_prefix + key, TimeSpan.FromMilliseconds(1));
        for (int i = 0; i < 1000 && await database.KeyExistsAsync(_prefix + key); i++)
        {
            await Task.Delay(2);
        }

        Assert.False(await database.KeyExistsAsync(_prefix + key));
    }

    [Fact]
    public async Task Records_live_under_the_key_prefix_and_expire_with_their_lease_then_their_time_to_live()
    {
        IDatabase database = _connection.GetDatabase();
        IdempotencyBeginResult begin = await _store.TryBeginAsync("k", "fp", TimeSpan.FromSeconds(30));

        TimeSpan? leaseLeft = await database.KeyTimeToLiveAsync(_prefix + "k");
        Assert.InRange(leaseLeft!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        await _store.CompleteAsync("k", begin.LeaseId!, new byte[] { 1 }, TimeSpan.FromHours(2));
        TimeSpan? ttlLeft = await database.KeyTimeToLiveAsync(_prefix + "k");
        Assert.InRange(ttlLeft!.Value, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task Begin_complete_and_release_each_take_one_round_trip()
    {
        using ConnectionMultiplexer admin = Server.Connect();
        IServer server = admin.GetServer(admin.GetEndPoints()[0]);
        using ConnectionMultiplexer connection = Server.Connect();
        var store = new RedisIdempotencyStore(connection, new RedisIdempotencyStoreOptions { KeyPrefix = _prefix + "trips:" });
        await store.TryBeginAsync("warm-up", "fp", TimeSpan.FromSeconds(30));

        long before = await ScriptCallsAsync(server);
        const int Operations = 50;
        for (int i = 0; i < Operations; i++)
        {
            IdempotencyBeginResult begin = await store.TryBeginAsync("k" + i, "fp", TimeSpan.FromSeconds(30));
            Assert.True(await store.CompleteAsync("k" + i, begin.LeaseId!, new byte[] { 1 }, TimeSpan.FromMinutes(1)));
            Assert.Equal(IdempotencyBeginStatus.Completed, (await store.TryBeginAsync("k" + i, "fp", TimeSpan.FromSeconds(30))).Status);
            IdempotencyBeginResult other = await store.TryBeginAsync("r" + i, "fp", TimeSpan.FromSeconds(30));
            Assert.True(await store.ReleaseAsync("r" + i, other.LeaseId!));
        }

        long after = await ScriptCallsAsync(server);

        // begin + complete + replaying begin + begin + release: five scripts, one round trip each.
        Assert.Equal(5 * Operations, after - before);
    }

    [Fact]
    public async Task A_record_another_app_wrote_under_the_prefix_is_reported_not_misread()
    {
        await _connection.GetDatabase().StringSetAsync(_prefix + "foreign", "some other app's value");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await _store.TryBeginAsync("foreign", "fp", TimeSpan.FromSeconds(30)));

        Assert.Contains("KeyPrefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fingerprint_with_a_line_break_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await _store.TryBeginAsync("k", "a\nb", TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Redis_that_cannot_be_reached_is_reported_as_an_unavailable_store()
    {
        using var down = new RedisServer();
        using ConnectionMultiplexer connection = down.Connect();
        var store = new RedisIdempotencyStore(connection);
        down.Kill();

        await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(async () => await store.TryBeginAsync("k", "fp", TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(async () => await store.CompleteAsync("k", "lease", new byte[] { 1 }, TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(async () => await store.ReleaseAsync("k", "lease"));
    }

    [Fact]
    public void The_constructor_rejects_missing_arguments()
    {
        Assert.Throws<ArgumentNullException>(() => new RedisIdempotencyStore(null!));
        Assert.Throws<ArgumentException>(() => new RedisIdempotencyStore(_connection, new RedisIdempotencyStoreOptions { KeyPrefix = null! }));
    }

    private static async Task<long> ScriptCallsAsync(IServer server)
    {
        IGrouping<string, KeyValuePair<string, string>>[] info = await server.InfoAsync("commandstats");
        long calls = 0;
        foreach (KeyValuePair<string, string> entry in info.SelectMany(g => g))
        {
            if (entry.Key is "cmdstat_eval" or "cmdstat_evalsha")
            {
                // calls=12,usec=...
                string first = entry.Value.Split(',')[0];
                calls += long.Parse(first["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }
}
