namespace Contracts.Ai.Tests.Idempotency;

public class InMemoryIdempotencyStoreTests : IdempotencyStoreContractTests
{
    private readonly InMemoryIdempotencyStore _store;

    public InMemoryIdempotencyStoreTests()
    {
        _store = new InMemoryIdempotencyStore(1000, Time);
    }

    protected override IIdempotencyStore Store => _store;

    protected override Task ExpireAsync(string key)
    {
        Time.Advance(TimeToLive + Lease);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_lease_holds_until_its_last_moment()
    {
        string key = NewKey();
        await _store.TryBeginAsync(key, "fp", Lease);

        Time.Advance(Lease - TimeSpan.FromTicks(1));
        Assert.Equal(IdempotencyBeginStatus.InProgress, (await _store.TryBeginAsync(key, "fp", Lease)).Status);
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(IdempotencyBeginStatus.Started, (await _store.TryBeginAsync(key, "fp", Lease)).Status);
    }

    [Fact]
    public async Task A_full_store_drops_expired_records_before_completed_ones()
    {
        var store = new InMemoryIdempotencyStore(3, Time);
        IdempotencyBeginResult completed = await store.TryBeginAsync("completed", "fp", Lease);
        await store.CompleteAsync("completed", completed.LeaseId!, new byte[] { 1 }, TimeToLive);
        await store.TryBeginAsync("dead", "fp", TimeSpan.FromSeconds(1));
        await store.TryBeginAsync("running", "fp", Lease);
        Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(IdempotencyBeginStatus.Started, (await store.TryBeginAsync("new", "fp", Lease)).Status);

        Assert.Equal(3, store.Count);
        Assert.Equal(IdempotencyBeginStatus.Completed, (await store.TryBeginAsync("completed", "fp", Lease)).Status);
        Assert.Equal(IdempotencyBeginStatus.InProgress, (await store.TryBeginAsync("running", "fp", Lease)).Status);
    }

    [Fact]
    public async Task A_full_store_without_expired_records_drops_the_oldest_completed_one_and_never_a_running_one()
    {
        var store = new InMemoryIdempotencyStore(3, Time);
        await store.TryBeginAsync("running", "fp", Lease);
        foreach (string key in new[] { "older", "newer" })
        {
            IdempotencyBeginResult begin = await store.TryBeginAsync(key, "fp", Lease);
            await store.CompleteAsync(key, begin.LeaseId!, new byte[] { 1 }, TimeToLive);
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(IdempotencyBeginStatus.Started, (await store.TryBeginAsync("new", "fp", Lease)).Status);

        Assert.Equal(IdempotencyBeginStatus.InProgress, (await store.TryBeginAsync("running", "fp", Lease)).Status);
        Assert.Equal(IdempotencyBeginStatus.Completed, (await store.TryBeginAsync("newer", "fp", Lease)).Status);
        Assert.Equal(IdempotencyBeginStatus.Started, (await store.TryBeginAsync("older", "fp", Lease)).Status);
    }

    [Fact]
    public async Task A_store_full_of_running_calls_reports_itself_unavailable_and_names_the_setting()
    {
        var store = new InMemoryIdempotencyStore(2, Time);
        await store.TryBeginAsync("a", "fp", Lease);
        await store.TryBeginAsync("b", "fp", Lease);

        var error = await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(async () => await store.TryBeginAsync("c", "fp", Lease));

        Assert.Contains("InMemoryCapacity", error.Message, StringComparison.Ordinal);
        Assert.Equal(IdempotencyBeginStatus.InProgress, (await store.TryBeginAsync("a", "fp", Lease)).Status);
    }

    [Fact]
    public async Task Many_begins_and_releases_keep_the_store_bounded()
    {
        var store = new InMemoryIdempotencyStore(10, Time);
        for (int i = 0; i < 10_000; i++)
        {
            string key = "k" + (i % 50);
            IdempotencyBeginResult begin = await store.TryBeginAsync(key, "fp", Lease);
            if (begin.Status == IdempotencyBeginStatus.Started)
            {
                await store.CompleteAsync(key, begin.LeaseId!, new byte[] { 1 }, TimeSpan.FromSeconds(1));
            }

            Time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.InRange(store.Count, 1, 10);
    }

    [Fact]
    public void Capacity_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryIdempotencyStore(0));
    }
}
