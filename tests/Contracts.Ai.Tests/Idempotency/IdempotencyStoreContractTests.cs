using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Contracts.Ai.Tests.Idempotency;

/// <summary>The rules every <see cref="IIdempotencyStore"/> keeps; each store's test class derives from this one.</summary>
public abstract class IdempotencyStoreContractTests
{
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    protected static readonly TimeSpan TimeToLive = TimeSpan.FromHours(1);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected abstract IIdempotencyStore Store { get; }

    /// <summary>Makes the record under <paramref name="key"/> reach the end of its lease or time-to-live.</summary>
    protected abstract Task ExpireAsync(string key);

    protected static string NewKey() => "k-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_new_key_starts_a_run_with_a_lease()
    {
        IdempotencyBeginResult begin = await Store.TryBeginAsync(NewKey(), "fp", Lease);

        Assert.Equal(IdempotencyBeginStatus.Started, begin.Status);
        Assert.False(string.IsNullOrEmpty(begin.LeaseId));
    }

    [Fact]
    public async Task A_repeat_while_running_is_in_progress_and_gets_no_lease()
    {
        string key = NewKey();
        await Store.TryBeginAsync(key, "fp", Lease);

        IdempotencyBeginResult repeat = await Store.TryBeginAsync(key, "fp", Lease);

        Assert.Equal(IdempotencyBeginStatus.InProgress, repeat.Status);
        Assert.Null(repeat.LeaseId);
    }

    [Fact]
    public async Task A_repeat_after_completion_gets_the_stored_result()
    {
        string key = NewKey();
        IdempotencyBeginResult begin = await Store.TryBeginAsync(key, "fp", Lease);
        Assert.True(await Store.CompleteAsync(key, begin.LeaseId!, Encoding.UTF8.GetBytes("{\"ok\":1}"), TimeToLive));

        IdempotencyBeginResult repeat = await Store.TryBeginAsync(key, "fp", Lease);

        Assert.Equal(IdempotencyBeginStatus.Completed, repeat.Status);
        Assert.Equal("{\"ok\":1}", Encoding.UTF8.GetString(repeat.Result.Span));
    }

    [Fact]
    public async Task Binary_and_empty_results_round_trip_exactly()
    {
        byte[] binary = [0, 10, 13, 255, (byte)'\n', (byte)'c', 0];
        string first = NewKey(), second = NewKey();
        Assert.True(await Store.CompleteAsync(first, (await Store.TryBeginAsync(first, "fp", Lease)).LeaseId!, binary, TimeToLive));
        Assert.True(await Store.CompleteAsync(second, (await Store.TryBeginAsync(second, "fp", Lease)).LeaseId!, ReadOnlyMemory<byte>.Empty, TimeToLive));

        Assert.Equal(binary, (await Store.TryBeginAsync(first, "fp", Lease)).Result.ToArray());
        IdempotencyBeginResult empty = await Store.TryBeginAsync(second, "fp", Lease);
        Assert.Equal(IdempotencyBeginStatus.Completed, empty.Status);
        Assert.Equal(0, empty.Result.Length);
    }

    [Fact]
    public async Task The_same_key_with_another_payload_conflicts_while_running_and_once_completed()
    {
        string key = NewKey();
        IdempotencyBeginResult begin = await Store.TryBeginAsync(key, "fp-a", Lease);

        Assert.Equal(IdempotencyBeginStatus.Conflict, (await Store.TryBeginAsync(key, "fp-b", Lease)).Status);
        await Store.CompleteAsync(key, begin.LeaseId!, new byte[] { 1 }, TimeToLive);
        Assert.Equal(IdempotencyBeginStatus.Conflict, (await Store.TryBeginAsync(key, "fp-b", Lease)).Status);
        Assert.Equal(IdempotencyBeginStatus.Completed, (await Store.TryBeginAsync(key, "fp-a", Lease)).Status);
    }

    [Fact]
    public async Task A_released_key_runs_again()
    {
        string key = NewKey();
        IdempotencyBeginResult begin = await Store.TryBeginAsync(key, "fp", Lease);

        Assert.True(await Store.ReleaseAsync(key, begin.LeaseId!));

        IdempotencyBeginResult retry = await Store.TryBeginAsync(key, "fp", Lease);
        Assert.Equal(IdempotencyBeginStatus.Started, retry.Status);
        Assert.NotEqual(begin.LeaseId, retry.LeaseId);
    }

    [Fact]
    public async Task An_expired_lease_lets_a_retry_run_and_the_stale_holder_cannot_touch_the_new_record()
    {
        string key = NewKey();
        IdempotencyBeginResult dead = await Store.TryBeginAsync(key, "fp", Lease);
        await ExpireAsync(key);

        IdempotencyBeginResult retry = await Store.TryBeginAsync(key, "fp", Lease);
        Assert.Equal(IdempotencyBeginStatus.Started, retry.Status);

        Assert.False(await Store.CompleteAsync(key, dead.LeaseId!, new byte[] { 1 }, TimeToLive));
        Assert.False(await Store.ReleaseAsync(key, dead.LeaseId!));
        Assert.Equal(IdempotencyBeginStatus.InProgress, (await Store.TryBeginAsync(key, "fp", Lease)).Status);

        Assert.True(await Store.CompleteAsync(key, retry.LeaseId!, new byte[] { 2 }, TimeToLive));
        Assert.Equal(new byte[] { 2 }, (await Store.TryBeginAsync(key, "fp", Lease)).Result.ToArray());
    }

    [Fact]
    public async Task An_expired_lease_cannot_complete_even_when_nobody_claimed_the_key_since()
    {
        string key = NewKey();
        IdempotencyBeginResult dead = await Store.TryBeginAsync(key, "fp", Lease);
        await ExpireAsync(key);

        Assert.False(await Store.CompleteAsync(key, dead.LeaseId!, new byte[] { 1 }, TimeToLive));
        Assert.Equal(IdempotencyBeginStatus.Started, (await Store.TryBeginAsync(key, "fp", Lease)).Status);
    }

    [Fact]
    public async Task A_completed_result_expires_after_its_time_to_live()
    {
        string key = NewKey();
        IdempotencyBeginResult begin = await Store.TryBeginAsync(key, "fp", Lease);
        await Store.CompleteAsync(key, begin.LeaseId!, new byte[] { 1 }, TimeToLive);
        await ExpireAsync(key);

        Assert.Equal(IdempotencyBeginStatus.Started, (await Store.TryBeginAsync(key, "fp-other", Lease)).Status);
    }

    [Fact]
    public async Task Complete_and_release_need_the_current_lease()
    {
        string key = NewKey();
        IdempotencyBeginResult begin = await Store.TryBeginAsync(key, "fp", Lease);

        Assert.False(await Store.CompleteAsync(key, "not-the-lease", new byte[] { 1 }, TimeToLive));
        Assert.False(await Store.ReleaseAsync(key, "not-the-lease"));
        Assert.False(await Store.CompleteAsync(NewKey(), begin.LeaseId!, new byte[] { 1 }, TimeToLive));
        Assert.Equal(IdempotencyBeginStatus.InProgress, (await Store.TryBeginAsync(key, "fp", Lease)).Status);
    }

    [Fact]
    public async Task A_completed_record_can_be_neither_completed_again_nor_released()
    {
        string key = NewKey();
        IdempotencyBeginResult begin = await Store.TryBeginAsync(key, "fp", Lease);
        Assert.True(await Store.CompleteAsync(key, begin.LeaseId!, new byte[] { 1 }, TimeToLive));

        Assert.False(await Store.CompleteAsync(key, begin.LeaseId!, new byte[] { 2 }, TimeToLive));
        Assert.False(await Store.ReleaseAsync(key, begin.LeaseId!));
        Assert.Equal(new byte[] { 1 }, (await Store.TryBeginAsync(key, "fp", Lease)).Result.ToArray());
    }

    [Fact]
    public async Task Keys_are_independent()
    {
        string first = NewKey(), second = NewKey();
        await Store.TryBeginAsync(first, "fp", Lease);

        Assert.Equal(IdempotencyBeginStatus.Started, (await Store.TryBeginAsync(second, "fp", Lease)).Status);
    }

    [Fact]
    public async Task Concurrent_begins_on_one_key_start_exactly_one_run()
    {
        string key = NewKey();
        IdempotencyBeginResult[] results = await Task.WhenAll(
            Enumerable.Range(0, 200).Select(_ => Task.Run(async () => await Store.TryBeginAsync(key, "fp", Lease))));

        Assert.Single(results, r => r.Status == IdempotencyBeginStatus.Started);
        Assert.Equal(199, results.Count(r => r.Status == IdempotencyBeginStatus.InProgress));
    }

    [Fact]
    public async Task Bad_arguments_are_rejected_before_anything_is_stored()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.TryBeginAsync("", "fp", Lease));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.TryBeginAsync(null!, "fp", Lease));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.TryBeginAsync(NewKey(), "", Lease));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.TryBeginAsync(NewKey(), "fp", TimeSpan.Zero));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.CompleteAsync(NewKey(), "", new byte[] { 1 }, TimeToLive));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.CompleteAsync(NewKey(), "lease", new byte[] { 1 }, TimeSpan.Zero));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.ReleaseAsync(NewKey(), ""));
    }

    [Fact]
    public async Task A_cancelled_begin_claims_nothing()
    {
        string key = NewKey();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.TryBeginAsync(key, "fp", Lease, cancelled.Token));

        Assert.Equal(IdempotencyBeginStatus.Started, (await Store.TryBeginAsync(key, "fp", Lease)).Status);
    }
}
