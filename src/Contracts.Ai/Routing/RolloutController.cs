using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>
/// The process-wide state of every rollout: which versions are rolled back, each version's recent
/// outcomes, the baseline a label pointed to when the rollout started, and the shadow-call budget.
/// </summary>
internal sealed partial class RolloutController : IDisposable
{
    private readonly ConcurrentDictionary<(string ContractId, string Label), RolloutState> _states = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SemaphoreSlim _shadowSlots;
    private readonly ILogger _logger;

    public RolloutController(IRolloutStateStore store, PromptRoutingOptions options, TimeProvider timeProvider, ILogger? logger = null)
    {
        Store = store;
        Options = options;
        TimeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _shadowSlots = new SemaphoreSlim(Math.Max(0, options.MaxConcurrentShadowCalls));
    }

    public IRolloutStateStore Store { get; }

    public PromptRoutingOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public CancellationToken ShutdownToken => _shutdown.Token;

    public RolloutState GetState(string contractId, RolloutOptions rollout) =>
        _states.GetOrAdd((contractId, rollout.Label), static (key, r) => new RolloutState(key.ContractId, r), rollout);

    /// <summary>Picks the variant for a subject; rolled-back versions get no traffic. Call <see cref="RefreshIfDueAsync"/> first.</summary>
    public static RolloutVariant? Choose(RolloutState state, double position)
    {
        IList<RolloutVariant> variants = state.Rollout.Variants;
        double total = 0;
        for (int i = 0; i < variants.Count; i++)
        {
            total += EffectiveWeight(state, variants[i], i);
        }

        if (total <= 0)
        {
            return variants.Count > 0 ? variants[0] : null;
        }

        double target = position * total;
        double cumulative = 0;
        RolloutVariant? last = null;
        for (int i = 0; i < variants.Count; i++)
        {
            double weight = EffectiveWeight(state, variants[i], i);
            if (weight <= 0)
            {
                continue;
            }

            last = variants[i];
            cumulative += weight;
            if (target < cumulative)
            {
                return variants[i];
            }
        }

        return last;
    }

    public bool TryEnterShadow() => _shadowSlots.Wait(0);

    public void ExitShadow() => _shadowSlots.Release();

    /// <summary>Records one outcome of a version and rolls it back when its failure rate crosses the threshold.</summary>
    public void Record(RolloutState state, string version, bool failed, Activity? activity, GovernedCall? call = null)
    {
        AutoRollbackOptions rollback = state.Rollout.AutoRollback;
        OutcomeWindow window = state.Windows.GetOrAdd(version, static (_, size) => new OutcomeWindow(size), rollback.WindowSize);
        (int samples, int failures) = window.Add(failed);
        if (!rollback.Enabled || state.IsBaseline(version) || samples < rollback.MinimumSamples || state.RolledBack.ContainsKey(version))
        {
            return;
        }

        double rate = failures / (double)samples;
        if (rate <= rollback.FailureRateThreshold)
        {
            return;
        }

        string reason = $"failure rate {rate:P0} over the last {samples} calls exceeded {rollback.FailureRateThreshold:P0}";
        if (!state.RolledBack.TryAdd(version, reason))
        {
            return;
        }

        state.PendingPersist.TryAdd(version, 0);
        LogRolledBack(_logger, state.ContractId, state.Rollout.Label, version, reason);
        RoutingTelemetry.RecordRollback(state.ContractId, version, activity, reason);
        call?.AddRolloutEvent($"rolled back {state.ContractId} {version} (label {state.Rollout.Label}): {reason}");
        _ = PersistAsync(state, version, reason);
    }

    public void Dispose()
    {
        _shutdown.Cancel();
        _shutdown.Dispose();
        _shadowSlots.Dispose();
    }

    private static double EffectiveWeight(RolloutState state, RolloutVariant variant, int index) =>
        index > 0 && state.RolledBack.ContainsKey(variant.Version) ? 0 : variant.Weight;

    private async Task PersistAsync(RolloutState state, string version, string reason)
    {
        try
        {
            await Store.MarkRolledBackAsync(state.ContractId, state.Rollout.Label, version, reason, ShutdownToken).ConfigureAwait(false);
            state.PendingPersist.TryRemove(version, out _);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStateStoreFailed(_logger, state.ContractId, ex);
        }
    }

    /// <summary>Reads the shared rollout decisions when the refresh interval has passed: the first time awaited, later in the background.</summary>
    public ValueTask RefreshIfDueAsync(RolloutState state)
    {
        long now = TimeProvider.GetTimestamp();
        long last = Interlocked.Read(ref state.LastRefresh);
        if (last != 0 && TimeProvider.GetElapsedTime(last, now) < Options.StateRefreshInterval)
        {
            return default;
        }

        if (Interlocked.CompareExchange(ref state.LastRefresh, now, last) != last)
        {
            return default;
        }

        if (last == 0)
        {
            // The first call waits for the shared decisions, so a fresh instance never serves a rolled-back version.
            return RefreshAsync(state);
        }

        _ = RefreshAsync(state).AsTask();
        return default;
    }

    private async ValueTask RefreshAsync(RolloutState state)
    {
        try
        {
            IReadOnlyDictionary<string, string> shared = await Store.GetRolledBackAsync(state.ContractId, state.Rollout.Label, ShutdownToken).ConfigureAwait(false);
            foreach (KeyValuePair<string, string> entry in shared)
            {
                state.RolledBack.TryAdd(entry.Key, entry.Value);
            }

            foreach (string version in state.RolledBack.Keys)
            {
                if (!shared.ContainsKey(version) && !state.PendingPersist.ContainsKey(version))
                {
                    state.RolledBack.TryRemove(version, out _);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStateStoreFailed(_logger, state.ContractId, ex);
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Rolled back version {Version} of contract {ContractId} (label {Label}): {Reason}.")]
    private static partial void LogRolledBack(ILogger logger, string contractId, string label, string version, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "The rollout state store failed for contract {ContractId}; local rollback decisions still apply.")]
    private static partial void LogStateStoreFailed(ILogger logger, string contractId, Exception exception);
}

/// <summary>The state of one rollout (contract id + label).</summary>
internal sealed class RolloutState
{
    public RolloutState(string contractId, RolloutOptions rollout)
    {
        ContractId = contractId;
        Rollout = rollout;
    }

    public string ContractId { get; }

    public RolloutOptions Rollout { get; }

    public ConcurrentDictionary<string, string> RolledBack { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, OutcomeWindow> Windows { get; } = new(StringComparer.Ordinal);

    /// <summary>The version the label resolved to when the rollout first served; a manual label move changes it, and then the registry wins.</summary>
    public string? BaselineLabelVersion { get; set; }

    public long LastRefresh;

    public bool IsBaseline(string version) => Rollout.Variants.Count > 0 && string.Equals(Rollout.Variants[0].Version, version, StringComparison.Ordinal);

    /// <summary>Rollbacks decided here and not yet stored; a refresh must not undo them.</summary>
    public ConcurrentDictionary<string, byte> PendingPersist { get; } = new(StringComparer.Ordinal);
}

/// <summary>A fixed-size ring of a version's latest outcomes.</summary>
internal sealed class OutcomeWindow
{
    private readonly bool[] _failed;
    private readonly object _gate = new();
    private int _next;
    private int _count;
    private int _failures;

    public OutcomeWindow(int size) => _failed = new bool[Math.Max(1, size)];

    public (int Samples, int Failures) Add(bool failed)
    {
        lock (_gate)
        {
            if (_count == _failed.Length)
            {
                if (_failed[_next])
                {
                    _failures--;
                }
            }
            else
            {
                _count++;
            }

            _failed[_next] = failed;
            if (failed)
            {
                _failures++;
            }

            _next = (_next + 1) % _failed.Length;
            return (_count, _failures);
        }
    }
}
