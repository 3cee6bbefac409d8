using Contracts.Ai.Tests.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Contracts.Ai.Tests.Audit;

[Collection(TelemetryCollection.Name)]
public class QueuedAuditSinkTests
{
    [Fact]
    public async Task A_full_queue_drops_the_newest_records_without_blocking_and_counts_them()
    {
        using var capture = new TelemetryCapture(traces: false);
        var logs = new FakeLoggerProvider();
        await using var sink = new GatedSink(capacity: 2, logs.CreateLogger("audit"));
        sink.Write(JsonLinesFileAuditSinkTests.Record("first"));
        await sink.Entered.Task;

        // The writer holds "first"; two records fill the queue; the next three are dropped at once.
        for (int i = 0; i < 5; i++)
        {
            sink.Write(JsonLinesFileAuditSinkTests.Record("r" + i));
        }

        Assert.Equal(3, sink.Dropped);
        sink.Gate.SetResult();
        await sink.FlushAsync();
        Assert.Equal(["first", "r0", "r1"], sink.Tenants);
        Assert.Equal(3, sink.Written);
        Assert.Equal(3, capture.Points("contracts_ai.audit.dropped").Sum(p => p.GetSumLong()));
        Assert.Contains(logs.Collector.GetSnapshot(), r => r.Id.Id == 5101 && r.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task A_record_that_fails_to_write_is_counted_and_the_writer_carries_on()
    {
        await using var sink = new GatedSink(capacity: 10, logger: null) { FailOn = "bad" };
        sink.Gate.SetResult();

        sink.Write(JsonLinesFileAuditSinkTests.Record("a"));
        sink.Write(JsonLinesFileAuditSinkTests.Record("bad"));
        sink.Write(JsonLinesFileAuditSinkTests.Record("c"));
        await sink.FlushAsync();

        Assert.Equal(1, sink.Failed);
        Assert.Equal(2, sink.Written);
        Assert.Equal(["a", "c"], sink.Tenants);
    }

    [Fact]
    public async Task Records_written_after_disposal_are_dropped_not_thrown()
    {
        var sink = new GatedSink(capacity: 10, logger: null);
        sink.Gate.SetResult();
        await sink.DisposeAsync();

        sink.Write(JsonLinesFileAuditSinkTests.Record("late"));

        Assert.Equal(1, sink.Dropped);
        Assert.Throws<ArgumentNullException>(() => sink.Write(null!));
    }

    private sealed class GatedSink(int capacity, ILogger? logger)
        : QueuedAuditSink("gated", capacity, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
    {
        private readonly List<string> _tenants = [];

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? FailOn { get; init; }

        public IReadOnlyList<string> Tenants
        {
            get
            {
                lock (_tenants)
                {
                    return _tenants.ToArray();
                }
            }
        }

        protected override async ValueTask WriteRecordAsync(DecisionRecord record)
        {
            Entered.TrySetResult();
            await Gate.Task;
            if (record.TenantId == FailOn)
            {
                throw new IOException("disk says no");
            }

            lock (_tenants)
            {
                _tenants.Add(record.TenantId!);
            }
        }
    }
}
