using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Contracts.Ai.Tests.Idempotency;

[Collection(global::Contracts.Ai.Tests.Telemetry.TelemetryCollection.Name)]
public class IdempotencyCoordinatorTests
{
    private static readonly JsonTypeInfo<string> StringInfo = (JsonTypeInfo<string>)JsonSerializerOptions.Default.GetTypeInfo(typeof(string));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly IdempotencyOptions _options = new() { InProgressWait = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(100) };

    private IdempotencyCoordinator Create(IIdempotencyStore? store = null) =>
        new(store ?? new InMemoryIdempotencyStore(100, _time), _options, _time);

    [Fact]
    public async Task A_repeat_after_completion_replays_the_result_without_running()
    {
        IdempotencyCoordinator coordinator = Create();
        int runs = 0;
        ValueTask<string> Refund(CancellationToken _) => new($"refund-{Interlocked.Increment(ref runs)}");

        IdempotentResult<string> first = await coordinator.ExecuteAsync("k", "fp", Refund, StringInfo, default);
        IdempotentResult<string> second = await coordinator.ExecuteAsync("k", "fp", Refund, StringInfo, default);

        Assert.Equal(1, runs);
        Assert.Equal(new IdempotentResult<string>("refund-1", false), first);
        Assert.Equal(new IdempotentResult<string>("refund-1", true), second);
    }

    [Fact]
    public async Task A_replay_is_counted_in_the_replays_metric()
    {
        IdempotencyCoordinator coordinator = Create();
        string key = Guid.NewGuid().ToString("N");
        await coordinator.ExecuteAsync(key, "fp", _ => new ValueTask<string>("x"), StringInfo, default);
        using var replays = new MetricCollector<long>(GovernedAiTelemetry.Meter, "contracts_ai.idempotency.replays");

        await coordinator.ExecuteAsync(key, "fp", _ => new ValueTask<string>("x"), StringInfo, default);

        Assert.NotEmpty(replays.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task The_same_key_with_another_payload_throws_a_conflict_and_runs_nothing()
    {
        IdempotencyCoordinator coordinator = Create();
        int runs = 0;
        await coordinator.ExecuteAsync("k", "fp-a", _ => new ValueTask<string>("a"), StringInfo, default);

        var error = await Assert.ThrowsAsync<IdempotencyConflictException>(async () =>
            await coordinator.ExecuteAsync("k", "fp-b", _ => { runs++; return new ValueTask<string>("b"); }, StringInfo, default));

        Assert.Equal(0, runs);
        Assert.Contains("'k'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_run_is_released_so_the_retry_runs()
    {
        IdempotencyCoordinator coordinator = Create();
        int runs = 0;

        await Assert.ThrowsAsync<TimeoutException>(async () =>
            await coordinator.ExecuteAsync<string>("k", "fp", _ => { runs++; throw new TimeoutException(); }, StringInfo, default));
        IdempotentResult<string> retry = await coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<string>("ok"); }, StringInfo, default);

        Assert.Equal(2, runs);
        Assert.Equal(new IdempotentResult<string>("ok", false), retry);
    }

    [Fact]
    public async Task A_cancelled_run_is_released_so_the_retry_runs()
    {
        IdempotencyCoordinator coordinator = Create();
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await coordinator.ExecuteAsync("k", "fp", async ct => { await cancel.CancelAsync(); ct.ThrowIfCancellationRequested(); return "never"; }, StringInfo, cancel.Token));

        Assert.False((await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("ok"), StringInfo, default)).Replayed);
    }

    [Fact]
    public async Task A_repeat_while_running_waits_for_the_result()
    {
        IdempotencyCoordinator coordinator = Create();
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;
        Task<IdempotentResult<string>> first = coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<string>(release.Task); }, StringInfo, default).AsTask();

        Task<IdempotentResult<string>> repeat = coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<string>("second"); }, StringInfo, default).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(repeat.IsCompleted);
        release.SetResult("first");
        await AdvanceUntilDoneAsync(repeat);

        Assert.Equal(1, runs);
        Assert.Equal(new IdempotentResult<string>("first", false), await first);
        Assert.Equal(new IdempotentResult<string>("first", true), await repeat);
    }

    [Fact]
    public async Task A_repeat_while_running_gives_up_after_the_configured_wait()
    {
        IdempotencyCoordinator coordinator = Create();
        var never = new TaskCompletionSource<string>();
        _ = coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>(never.Task), StringInfo, default).AsTask();
        int runs = 0;

        Task<IdempotentResult<string>> repeat = coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<string>("x"); }, StringInfo, default).AsTask();
        await AdvanceUntilDoneAsync(repeat);

        var error = await Assert.ThrowsAsync<IdempotencyInProgressException>(() => repeat);
        Assert.Equal(0, runs);
        Assert.Contains("still in progress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zero_wait_gives_up_at_once()
    {
        _options.InProgressWait = TimeSpan.Zero;
        IdempotencyCoordinator coordinator = Create();
        _ = coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>(new TaskCompletionSource<string>().Task), StringInfo, default).AsTask();

        await Assert.ThrowsAsync<IdempotencyInProgressException>(async () =>
            await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("x"), StringInfo, default));
    }

    [Fact]
    public async Task A_run_whose_process_died_blocks_repeats_only_until_its_lease_expires()
    {
        var store = new InMemoryIdempotencyStore(100, _time);
        await store.TryBeginAsync("k", "fp", _options.LeaseDuration);
        IdempotencyCoordinator coordinator = Create(store);
        _options.InProgressWait = TimeSpan.Zero;
        await Assert.ThrowsAsync<IdempotencyInProgressException>(async () =>
            await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("x"), StringInfo, default));

        _time.Advance(_options.LeaseDuration);
        IdempotentResult<string> retry = await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("ran"), StringInfo, default);

        Assert.Equal(new IdempotentResult<string>("ran", false), retry);
    }

    [Fact]
    public async Task A_completed_result_is_replayed_until_its_time_to_live_then_the_key_runs_again()
    {
        IdempotencyCoordinator coordinator = Create();
        int runs = 0;
        ValueTask<string> Run(CancellationToken _) => new($"run-{++runs}");
        await coordinator.ExecuteAsync("k", "fp", Run, StringInfo, default);

        _time.Advance(_options.CompletedTimeToLive - TimeSpan.FromSeconds(1));
        Assert.True((await coordinator.ExecuteAsync("k", "fp", Run, StringInfo, default)).Replayed);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new IdempotentResult<string>("run-2", false), await coordinator.ExecuteAsync("k", "fp", Run, StringInfo, default));
    }

    [Fact]
    public async Task Tenants_never_replay_each_others_results()
    {
        IdempotencyCoordinator coordinator = Create();
        var arguments = new Dictionary<string, object?> { ["orderId"] = 42 };
        (string keyA, string fpA) = ToolIdempotencyKeys.ForTool("refund", arguments, null, new GovernanceContext { TenantId = "a", ConversationId = "c" });
        (string keyB, string fpB) = ToolIdempotencyKeys.ForTool("refund", arguments, null, new GovernanceContext { TenantId = "b", ConversationId = "c" });

        IdempotentResult<string> a = await coordinator.ExecuteAsync(keyA, fpA, _ => new ValueTask<string>("tenant a"), StringInfo, default);
        IdempotentResult<string> b = await coordinator.ExecuteAsync(keyB, fpB, _ => new ValueTask<string>("tenant b"), StringInfo, default);

        Assert.Equal(new IdempotentResult<string>("tenant b", false), b);
        Assert.Equal("tenant a", a.Value);
    }

    [Fact]
    public async Task A_result_that_cannot_be_stored_fails_at_completion_and_a_retry_runs_again()
    {
        IdempotencyCoordinator coordinator = Create();
        var cyclic = new Node();
        cyclic.Next = cyclic;
        var info = (JsonTypeInfo<Node>)JsonSerializerOptions.Default.GetTypeInfo(typeof(Node));
        int runs = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<Node>(cyclic); }, info, default));
        await coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<Node>(new Node()); }, info, default);

        Assert.Equal(2, runs);
        Assert.Contains("cannot be stored for replay", error.Message, StringComparison.Ordinal);
        Assert.IsType<JsonException>(error.InnerException);
    }

    [Fact]
    public async Task A_stored_result_of_another_type_is_an_error_not_a_silent_rerun()
    {
        IdempotencyCoordinator coordinator = Create();
        await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("text"), StringInfo, default);
        var intInfo = (JsonTypeInfo<int>)JsonSerializerOptions.Default.GetTypeInfo(typeof(int));
        int runs = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<int>(1); }, intInfo, default));
        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task An_unavailable_store_fails_closed_by_default_and_runs_nothing()
    {
        IdempotencyCoordinator coordinator = Create(new UnavailableStore());
        int runs = 0;
        using var unavailable = new MetricCollector<long>(GovernedAiTelemetry.Meter, "contracts_ai.idempotency.store_unavailable");

        await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(async () =>
            await coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<string>("x"); }, StringInfo, default));

        Assert.Equal(0, runs);
        Assert.Contains(unavailable.GetMeasurementSnapshot(), m => m.Tags["contracts_ai.idempotency.failure_mode"] is "fail_closed");
    }

    [Fact]
    public async Task An_unavailable_store_with_fail_open_runs_without_protection_and_counts_it()
    {
        _options.OnStoreUnavailable = IdempotencyFailureMode.FailOpen;
        IdempotencyCoordinator coordinator = Create(new UnavailableStore());
        int runs = 0;
        using var unavailable = new MetricCollector<long>(GovernedAiTelemetry.Meter, "contracts_ai.idempotency.store_unavailable");

        IdempotentResult<string> result = await coordinator.ExecuteAsync("k", "fp", _ => { runs++; return new ValueTask<string>("x"); }, StringInfo, default);

        Assert.Equal(1, runs);
        Assert.Equal(new IdempotentResult<string>("x", false), result);
        Assert.Contains(unavailable.GetMeasurementSnapshot(), m => m.Tags["contracts_ai.idempotency.failure_mode"] is "fail_open");
    }

    [Fact]
    public async Task Running_without_protection_is_logged_as_a_warning_naming_the_setting()
    {
        _options.OnStoreUnavailable = IdempotencyFailureMode.FailOpen;
        var logger = new FakeLogger();
        var coordinator = new IdempotencyCoordinator(new UnavailableStore(), _options, _time, logger);

        await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("x"), StringInfo, default);

        FakeLogRecord record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Contains("OnStoreUnavailable is FailOpen", record.Message, StringComparison.Ordinal);
        Assert.IsType<IdempotencyStoreUnavailableException>(record.Exception);
    }

    [Fact]
    public async Task A_store_that_fails_after_the_run_still_returns_the_result_so_the_caller_does_not_retry_it()
    {
        var store = new FailingCompletionStore(new InMemoryIdempotencyStore(10, _time));
        IdempotencyCoordinator coordinator = Create(store);

        IdempotentResult<string> result = await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("done"), StringInfo, default);

        Assert.Equal(new IdempotentResult<string>("done", false), result);
    }

    [Fact]
    public async Task A_thousand_concurrent_duplicates_run_once_and_all_get_the_same_result()
    {
        var options = new IdempotencyOptions { InProgressWait = TimeSpan.FromMinutes(1), PollInterval = TimeSpan.FromMilliseconds(5) };
        var coordinator = new IdempotencyCoordinator(new InMemoryIdempotencyStore(), options, TimeProvider.System);
        int runs = 0;
        async ValueTask<string> SendEmail(CancellationToken ct)
        {
            int run = Interlocked.Increment(ref runs);
            await Task.Delay(50, ct);
            return $"sent-{run}";
        }

        IdempotentResult<string>[] results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ =>
            Task.Run(async () => await coordinator.ExecuteAsync("send_email", "fp", SendEmail, StringInfo, default))));

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal("sent-1", r.Value));
        Assert.Single(results, r => !r.Replayed);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_their_configuration_path()
    {
        var options = new IdempotencyOptions { PollInterval = TimeSpan.Zero };

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new IdempotencyCoordinator(new InMemoryIdempotencyStore(), options, _time));

        Assert.Contains("GovernedAi:Idempotency:PollInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_are_rejected_before_anything_runs()
    {
        IdempotencyCoordinator coordinator = Create();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await coordinator.ExecuteAsync("", "fp", _ => new ValueTask<string>("x"), StringInfo, default));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await coordinator.ExecuteAsync("k", "", _ => new ValueTask<string>("x"), StringInfo, default));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await coordinator.ExecuteAsync("k", "fp", null!, StringInfo, default));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await coordinator.ExecuteAsync("k", "fp", _ => new ValueTask<string>("x"), null!, default));
    }

    private async Task AdvanceUntilDoneAsync(Task task)
    {
        for (int i = 0; i < 10_000 && !task.IsCompleted; i++)
        {
            _time.Advance(_options.PollInterval);
            await Task.Delay(1);
        }

        Assert.True(task.IsCompleted, "The waiting call never finished.");
    }

    public sealed class Node
    {
        public Node? Next { get; set; }
    }

    private sealed class UnavailableStore : IIdempotencyStore
    {
        public ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default) =>
            throw new IdempotencyStoreUnavailableException("down");

        public ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            throw new IdempotencyStoreUnavailableException("down");

        public ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default) =>
            throw new IdempotencyStoreUnavailableException("down");
    }

    private sealed class FailingCompletionStore(IIdempotencyStore inner) : IIdempotencyStore
    {
        public ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default) =>
            inner.TryBeginAsync(key, fingerprint, lease, cancellationToken);

        public ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            throw new IdempotencyStoreUnavailableException("down");

        public ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default) =>
            inner.ReleaseAsync(key, leaseId, cancellationToken);
    }
}
