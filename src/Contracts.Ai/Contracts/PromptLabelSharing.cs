using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>
/// Keeps the built-in registry's labels in step with an <see cref="IPromptLabelStore"/>: runtime moves are
/// written in the background, and every contract's stored positions are read back on a timer. Calls never
/// wait for the store; while it fails, the last known positions stay in use.
/// </summary>
internal sealed partial class PromptLabelSharing : IDisposable
{
    private const char QualifierSeparator = '@';

    private readonly IPromptLabelStore _store;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationToken _stopping;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // Moves made here and not yet stored; a refresh must not undo them.
    private readonly ConcurrentDictionary<(string ContractId, string Label), string> _pending = new();

    // When each label last moved here or had its move stored, on the _moves sequence: a refresh skips labels touched after it began.
    private readonly ConcurrentDictionary<(string ContractId, string Label), long> _touched = new();
    private readonly ConcurrentDictionary<(string ContractId, string Label, string Version), byte> _warned = new();
    private InMemoryPromptRegistry? _registry;
    private ITimer? _timer;
    private long _moves;
    private int _refreshing;
    private int _failing;

    public PromptLabelSharing(IPromptLabelStore store, TimeSpan interval, TimeProvider timeProvider, ILogger? logger)
    {
        _store = store;
        _interval = interval;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _stopping = _stop.Token;
    }

    /// <summary>Gets the first read of the stored positions, started by <see cref="Attach"/>.</summary>
    public Task FirstRefresh { get; private set; } = Task.CompletedTask;

    /// <summary>Gets how often stored positions are read.</summary>
    public TimeSpan Interval => _interval;

    /// <summary>Starts sharing <paramref name="registry"/>'s labels; the positions it holds now are the starting point.</summary>
    public void Attach(InMemoryPromptRegistry registry)
    {
        if (Interlocked.CompareExchange(ref _registry, registry, null) is not null)
        {
            throw new InvalidOperationException("The label store is already shared with a registry.");
        }

        registry.CaptureStartPositions();
        registry.LabelMoved = OnLabelMoved;

        // The timer must not hold on to the execution context (and activity) of whichever call created the registry.
        bool restore = !ExecutionContext.IsFlowSuppressed();
        AsyncFlowControl flow = restore ? ExecutionContext.SuppressFlow() : default;
        try
        {
            FirstRefresh = RefreshAsync();
            _timer = _timeProvider.CreateTimer(static state => _ = ((PromptLabelSharing)state!).RefreshAsync(), this, _interval, _interval);
        }
        finally
        {
            if (restore)
            {
                flow.Undo();
            }
        }
    }

    public void Dispose()
    {
        if (_registry is { } registry)
        {
            registry.LabelMoved = null;
        }

        _timer?.Dispose();
        _stop.Cancel();
        _stop.Dispose();
    }

    /// <summary>Reads every contract's stored positions and applies those that moved; writes pending moves first.</summary>
    internal async Task RefreshAsync()
    {
        InMemoryPromptRegistry? registry = _registry;
        if (registry is null || _stopping.IsCancellationRequested || Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        try
        {
            bool wrote = await FlushAsync().ConfigureAwait(false);
            long began = Interlocked.Read(ref _moves);
            var ids = new List<string>(registry.ContractIds);
            var reads = new Task<IReadOnlyDictionary<string, string>>[ids.Count];

            // Issued together, so a remote store answers them as one batch of pipelined requests.
            for (int i = 0; i < reads.Length; i++)
            {
                reads[i] = _store.GetLabelsAsync(ids[i], _stopping).AsTask();
            }

            await Task.WhenAll(reads).ConfigureAwait(false);
            for (int i = 0; i < reads.Length; i++)
            {
                foreach (KeyValuePair<string, string> position in Select(registry, ids[i], reads[i].Result))
                {
                    Apply(registry, ids[i], position.Key, position.Value, began);
                }
            }

            if (wrote)
            {
                Recovered();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Failed(ex, reading: true);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private void OnLabelMoved(string contractId, string label, string version)
    {
        (string, string) key = (contractId, label);
        _touched[key] = Interlocked.Increment(ref _moves);
        _pending[key] = version;
        _ = FlushAsync();
    }

    /// <summary>Writes the pending moves, one at a time; a failure keeps them for the next refresh.</summary>
    /// <returns><see langword="false"/> when the store failed.</returns>
    private async Task<bool> FlushAsync()
    {
        if (_pending.IsEmpty)
        {
            return true;
        }

        try
        {
            await _writeGate.WaitAsync(_stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return true;
        }

        try
        {
            foreach (KeyValuePair<(string ContractId, string Label), string> move in _pending)
            {
                string field = Qualify(move.Key.Label, StartPosition(_registry!, move.Key.ContractId, move.Key.Label));
                await _store.SetLabelAsync(move.Key.ContractId, field, move.Value, _stopping).ConfigureAwait(false);
                _touched[move.Key] = Interlocked.Increment(ref _moves);
                _pending.TryRemove(move);
                LogStored(_logger, move.Key.ContractId, move.Key.Label, move.Value);
            }

            return true;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Failed(ex, reading: false);
            return false;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// The stored name of a move: the label qualified by the position code and prompt files gave it here
    /// (<c>production@1.0.0</c>), so only instances started from the same position apply it, and a deployment
    /// that moves the label in its code or files starts from its own position instead of an older move.
    /// </summary>
    internal static string Qualify(string label, string start) => string.Concat(label, QualifierSeparator, start);

    private static string StartPosition(InMemoryPromptRegistry registry, string contractId, string label) =>
        registry.TryGetStartPosition(contractId, label, out string? start) ? start ?? string.Empty : string.Empty;

    /// <summary>
    /// Picks, per label, the stored position that applies here: the move made from this instance's start position,
    /// else a plain entry (a label name alone, which applies everywhere, as an operator may write by hand).
    /// Moves made from other start positions belong to other deployments and are skipped.
    /// </summary>
    private static Dictionary<string, string> Select(InMemoryPromptRegistry registry, string contractId, IReadOnlyDictionary<string, string> stored)
    {
        var plain = new Dictionary<string, string>(StringComparer.Ordinal);
        var qualified = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> entry in stored)
        {
            int at = entry.Key.IndexOf(QualifierSeparator, StringComparison.Ordinal);
            if (at < 0)
            {
                plain[entry.Key] = entry.Value;
                continue;
            }

            string label = entry.Key[..at];
            if (string.Equals(entry.Key[(at + 1)..], StartPosition(registry, contractId, label), StringComparison.Ordinal))
            {
                qualified[label] = entry.Value;
            }
        }

        foreach (KeyValuePair<string, string> move in qualified)
        {
            plain[move.Key] = move.Value;
        }

        return plain;
    }

    private void Apply(InMemoryPromptRegistry registry, string contractId, string label, string version, long began)
    {
        (string, string) key = (contractId, label);
        if (_pending.ContainsKey(key) || (_touched.TryGetValue(key, out long touched) && touched > began))
        {
            return;
        }

        switch (registry.ApplySharedLabel(contractId, label, version))
        {
            case SharedLabelOutcome.Moved:
                LogApplied(_logger, contractId, label, version);
                break;
            case SharedLabelOutcome.UnknownVersion when _warned.TryAdd((contractId, label, version), 0):
                LogUnknownVersion(_logger, contractId, label, version);
                break;
            case SharedLabelOutcome.Invalid when _warned.TryAdd((contractId, label, version), 0):
                LogInvalid(_logger, contractId);
                break;
        }
    }

    private void Failed(Exception ex, bool reading)
    {
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            LogStoreFailed(_logger, reading ? "reading" : "writing", ex);
        }
        else
        {
            LogStoreStillFailing(_logger, reading ? "reading" : "writing", ex);
        }
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref _failing, 0) == 1)
        {
            LogStoreRecovered(_logger);
        }
    }

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "Label {Label} of contract {ContractId} moved to version {Version}, as another instance set it.")]
    private static partial void LogApplied(ILogger logger, string contractId, string label, string version);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "Label {Label} of contract {ContractId} points to version {Version} in the label store, which this instance has not registered; the label stays where it is here.")]
    private static partial void LogUnknownVersion(ILogger logger, string contractId, string label, string version);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "The label store holds a label position of contract {ContractId} that is not a valid label and version; it is ignored.")]
    private static partial void LogInvalid(ILogger logger, string contractId);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Warning, Message = "The label store failed while {Operation}; labels stay where they are on this instance, and moves made here are written when it answers again.")]
    private static partial void LogStoreFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 7014, Level = LogLevel.Debug, Message = "The label store still fails while {Operation}.")]
    private static partial void LogStoreStillFailing(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 7015, Level = LogLevel.Information, Message = "The label store answers again; label positions are shared.")]
    private static partial void LogStoreRecovered(ILogger logger);

    [LoggerMessage(EventId = 7016, Level = LogLevel.Debug, Message = "Stored label {Label} of contract {ContractId} at version {Version} for the other instances.")]
    private static partial void LogStored(ILogger logger, string contractId, string label, string version);
}
