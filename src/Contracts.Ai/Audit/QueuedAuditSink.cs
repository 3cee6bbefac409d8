using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// An <see cref="IAuditSink"/> that never blocks the caller: records go into a bounded queue and one
/// background writer drains it.
/// </summary>
/// <remarks>
/// When the queue is full the newest record is dropped, logged and counted in
/// <c>contracts_ai.audit.dropped</c>; the caller never waits. A record the writer fails to write is
/// logged and counted in <c>contracts_ai.audit.failures</c>, and the writer carries on with the next.
/// Disposing stops accepting records and writes those already queued.
/// </remarks>
internal abstract partial class QueuedAuditSink : IAuditSink, IAsyncDisposable, IDisposable
{
    private readonly Channel<object> _queue;
    private readonly Task _writer;
    private readonly string _name;
    private long _written;
    private long _dropped;
    private long _failed;
    private int _disposed;

    protected QueuedAuditSink(string name, int capacity, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _name = name;
        Logger = logger;
        _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _writer = Task.Run(DrainAsync);
    }

    /// <summary>Gets how many records were written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Gets how many records were dropped because the queue was full or the sink was disposed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many records failed to be written.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    protected ILogger Logger { get; }

    public void Write(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);

        // TryWrite on a bounded channel in Wait mode returns false when it is full: the newest record is dropped.
        if (!_queue.Writer.TryWrite(record))
        {
            long dropped = Interlocked.Increment(ref _dropped);
            RecordDropped();
            if (IsPowerOfTwo(dropped))
            {
                LogDropped(Logger, _name, dropped);
            }
        }
    }

    /// <summary>Completes once every record queued before the call has been written (or failed).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the queue is drained up to this point.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(flushed, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await flushed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
            await _writer.ConfigureAwait(false);
            await ReleaseOutputAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Writes one record; called on the writer only, never concurrently.</summary>
    protected abstract ValueTask WriteRecordAsync(DecisionRecord record);

    /// <summary>Called when the queue is momentarily empty, to flush buffered output (report lost records with <see cref="RecordLost"/>).</summary>
    protected virtual ValueTask FlushBufferedAsync() => default;

    protected virtual ValueTask ReleaseOutputAsync() => default;

    /// <summary>Counts records already reported as written (buffered) as failed after all.</summary>
    protected void RecordLost(int records, Exception? exception)
    {
        Interlocked.Add(ref _written, -records);
        Fail(records, exception);
    }

    private static bool IsPowerOfTwo(long value) => (value & (value - 1)) == 0;

    private async Task DrainAsync()
    {
        ChannelReader<object> reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out object? item))
            {
                if (item is DecisionRecord record)
                {
                    try
                    {
                        await WriteRecordAsync(record).ConfigureAwait(false);
                        Interlocked.Increment(ref _written);
                    }
                    catch (Exception ex)
                    {
                        Fail(1, ex);
                    }
                }
                else
                {
                    await FlushBufferedSafelyAsync().ConfigureAwait(false);
                    ((TaskCompletionSource)item).TrySetResult();
                }
            }

            await FlushBufferedSafelyAsync().ConfigureAwait(false);
        }

        async ValueTask FlushBufferedSafelyAsync()
        {
            try
            {
                await FlushBufferedAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Fail(1, ex);
            }
        }
    }

    private void Fail(int records, Exception? exception)
    {
        Interlocked.Add(ref _failed, records);
        if (GovernedAiTelemetry.AuditFailures.Enabled)
        {
            GovernedAiTelemetry.AuditFailures.Add(records, new TagList { { TelemetryNames.Attributes.AuditSink, _name } });
        }

        LogWriteFailed(Logger, exception, _name, records);
    }

    private void RecordDropped()
    {
        if (GovernedAiTelemetry.AuditDropped.Enabled)
        {
            GovernedAiTelemetry.AuditDropped.Add(1, new TagList { { TelemetryNames.Attributes.AuditSink, _name } });
        }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Audit sink {Sink} dropped a decision record because its queue is full ({Dropped} dropped so far).")]
    private static partial void LogDropped(ILogger logger, string sink, long dropped);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Audit sink {Sink} failed to write {Records} decision record(s).")]
    private static partial void LogWriteFailed(ILogger logger, Exception? exception, string sink, int records);
}
