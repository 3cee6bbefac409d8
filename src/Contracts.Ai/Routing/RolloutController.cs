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
/// The process-wide state of every rollout: each version's health, which versions are rolled back, the baseline a
/// label pointed to when the rollout started, and the shadow-call budget; and the decisions taken from them
/// (rollback, promotion), each one a <see cref="PromptChangeEvent"/>.
/// </summary>
internal sealed partial class RolloutController : IDisposable
{
    internal const string AutoRollbackActor = "auto-rollback";
    internal const string AutoPromoteActor = "auto-promote";

    private readonly ConcurrentDictionary<(string ContractId, string Label), RolloutState> _states = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SemaphoreSlim _shadowSlots;
    private readonly ILogger _logger;

    public RolloutController(IRolloutStateStore store, PromptRoutingOptions options, TimeProvider timeProvider, ILogger? logger = null, PromptChangeLog? changeLog = null, IPromptRegistry? registry = null)
    {
        Store = store;
        Options = options;
        TimeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _shadowSlots = new SemaphoreSlim(Math.Max(0, options.MaxConcurrentShadowCalls));
        ChangeLog = changeLog ?? new PromptChangeLog(sinks: null, store: null, authorizer: null, options.InstanceId, timeProvider, _logger);
        Registry = registry;
    }

    public IRolloutStateStore Store { get; }

    public PromptRoutingOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public PromptChangeLog ChangeLog { get; }

    /// <summary>Gets the registry promotions move labels in, when the controller has one.</summary>
    public IPromptRegistry? Registry { get; }

    public CancellationToken ShutdownToken => _shutdown.Token;

    public RolloutState GetState(string contractId, RolloutOptions rollout) =>
        _states.GetOrAdd((contractId, rollout.Label), static (key, r) => new RolloutState(key.ContractId, r), rollout);

    /// <summary>Gets the state of a contract's configured rollout.</summary>
    /// <exception cref="KeyNotFoundException">The contract has no rollout.</exception>
    public RolloutState GetState(string contractId) =>
        Options.Rollouts.TryGetValue(contractId, out RolloutOptions? rollout) && rollout.Variants.Count > 0
            ? GetState(contractId, rollout)
            : throw new KeyNotFoundException($"Contract '{contractId}' has no rollout; add one with AddRollout(\"{contractId}\", ...) or a rollout: field in its prompt file.");

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

    /// <summary>Records one outcome of a version, then rolls the version back or promotes it when the evidence says so.</summary>
    public void Record(RolloutState state, string version, string? variant, in RolloutOutcome outcome, bool shadow, Activity? activity, GovernedCall? call = null)
    {
        VersionHealth health = state.HealthOf(version);
        (long samples, long failures) = health.Add(outcome, shadow);
        RoutingTelemetry.RecordOutcome(state.ContractId, version, variant, outcome, shadow);
        if (!outcome.IsCounted || state.IsBaseline(version) || state.RolledBack.ContainsKey(version) || state.PromotedVersion is not null ||
            !health.TryClaimJudgement(samples))
        {
            return;
        }

        AutoRollbackOptions rollback = state.Rollout.AutoRollback;
        VersionHealth? baseline = state.BaselineHealth;
        (long baselineSamples, long baselineFailures) = baseline?.Counts ?? (0, 0);
        bool baselineServes = state.Rollout.Variants.Count > 0 && state.Rollout.Variants[0].Weight > 0;
        if (rollback.Enabled)
        {
            string? reason = RolloutJudge.RollbackReason(failures, samples, baselineFailures, baselineSamples, baselineServes, rollback)
                ?? RolloutJudge.GuardReason(health, baseline, rollback);
            if (reason is not null)
            {
                _ = RollBack(state, version, reason, AutoRollbackActor, activity, call, throwIfRefused: false);
                return;
            }
        }

        AutoPromoteOptions promote = state.Rollout.AutoPromote;
        if (promote.Enabled && state.IsVariant(version) &&
            RolloutJudge.IsNonInferior(failures, samples, baselineFailures, baselineSamples, baselineServes, promote, rollback, out double evidence) &&
            RolloutJudge.GuardReason(health, baseline, rollback) is null)
        {
            string reason = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"non-inferior to the baseline within {promote.Margin:P1} at {promote.Confidence:P1} confidence after {samples} calls ({failures} failed; evidence {Math.Exp(Math.Min(evidence, 700)):G3} to 1)");
            _ = Promote(state, version, AutoPromoteActor, reason, throwIfRefused: false);
        }
    }

    /// <summary>Stops a candidate's traffic: authorized, applied here at once, shared through the store, and recorded.</summary>
    /// <returns><see langword="true"/> when this call rolled the version back.</returns>
    public bool RollBack(RolloutState state, string version, string reason, string? changedBy, Activity? activity, GovernedCall? call, bool throwIfRefused)
    {
        if (state.RolledBack.ContainsKey(version))
        {
            return false;
        }

        PromptChangeEvent change = ChangeLog.Create(PromptChangeKind.RolledBack, state.ContractId, state.Rollout.Label, version, state.BaselineVersion, changedBy, reason);
        if (ChangeLog.Refusal(change) is { } refusal)
        {
            return throwIfRefused ? throw new PromptChangeRefusedException(change, refusal) : false;
        }

        if (!state.RolledBack.TryAdd(version, reason))
        {
            return false;
        }

        state.PendingPersist.TryAdd(version, 0);
        LogRolledBack(_logger, state.ContractId, state.Rollout.Label, version, reason);
        RoutingTelemetry.RecordRollback(state.ContractId, version, activity, reason);
        call?.Record?.ForRouting().AddRolloutEvent($"rolled back {state.ContractId} {version} (label {state.Rollout.Label}): {reason}");
        _ = PersistAsync(state, version, reason);
        ChangeLog.Record(change);
        return true;
    }

    /// <summary>Gives a rolled-back candidate its configured weight again, here and in the shared store.</summary>
    public async Task ClearRollbackAsync(RolloutState state, string version, string? changedBy, string? reason, CancellationToken cancellationToken)
    {
        PromptChangeEvent change = ChangeLog.Create(PromptChangeKind.RollbackCleared, state.ContractId, state.Rollout.Label, state.BaselineVersion, version, changedBy, reason);
        ChangeLog.Authorize(change);
        await Store.ClearRollbackAsync(state.ContractId, state.Rollout.Label, version, cancellationToken).ConfigureAwait(false);
        state.PendingPersist.TryRemove(version, out _);
        state.RolledBack.TryRemove(version, out _);
        state.ResetHealth(version);
        ChangeLog.Record(change);
    }

    /// <summary>Moves the rollout's label to <paramref name="version"/> in the registry, so all its traffic goes there.</summary>
    /// <returns><see langword="true"/> when the label moved.</returns>
    public bool Promote(RolloutState state, string version, string? changedBy, string? reason, bool throwIfRefused)
    {
        if (Registry is not InMemoryPromptRegistry registry)
        {
            if (throwIfRefused)
            {
                throw new InvalidOperationException(
                    $"Promoting version {version} of '{state.ContractId}' moves label '{state.Rollout.Label}' in the built-in prompt registry, which this pipeline does not use; move the label in your registry instead.");
            }

            return false;
        }

        try
        {
            registry.MoveLabelAs(PromptChangeKind.Promoted, state.ContractId, state.Rollout.Label, version, changedBy, reason);
        }
        catch (PromptChangeRefusedException) when (!throwIfRefused)
        {
            return false;
        }

        state.PromotedVersion = version;
        RoutingTelemetry.RecordPromotion(state.ContractId, version);
        return true;
    }

    /// <summary>Gets the health of every version the rollout has served or shadowed.</summary>
    public static IReadOnlyList<RolloutVersionHealth> GetHealth(RolloutState state)
    {
        var result = new List<RolloutVersionHealth>();
        double alpha = (1 - state.Rollout.AutoRollback.Confidence) / 2;
        foreach (KeyValuePair<string, VersionHealth> entry in state.Health)
        {
            result.Add(entry.Value.Snapshot(entry.Key, state.IsBaseline(entry.Key), alpha));
        }

        result.Sort(static (a, b) => a.IsBaseline == b.IsBaseline ? string.CompareOrdinal(a.Version, b.Version) : (a.IsBaseline ? -1 : 1));
        return result;
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

    public ConcurrentDictionary<string, VersionHealth> Health { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the baseline's health, once it has served.</summary>
    public VersionHealth? BaselineHealth => BaselineVersion is { } baseline && Health.TryGetValue(baseline, out VersionHealth? health) ? health : null;

    /// <summary>Gets the baseline version: the first variant's.</summary>
    public string? BaselineVersion => Rollout.Variants.Count > 0 ? Rollout.Variants[0].Version : null;

    /// <summary>Gets or sets the version this instance promoted; decisions stop once one is.</summary>
    public string? PromotedVersion { get; set; }

    public VersionHealth HealthOf(string version) =>
        Health.GetOrAdd(version, static (_, window) => new VersionHealth(window), Math.Max(10, Rollout.AutoRollback.WindowSize));

    public void ResetHealth(string version) => Health.TryRemove(version, out _);

    public bool IsVariant(string version)
    {
        IList<RolloutVariant> variants = Rollout.Variants;
        for (int i = 0; i < variants.Count; i++)
        {
            if (string.Equals(variants[i].Version, version, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The version the label resolved to when the rollout first served; a manual label move changes it, and then the registry wins.</summary>
    public string? BaselineLabelVersion { get; set; }

    public long LastRefresh;

    public bool IsBaseline(string version) => Rollout.Variants.Count > 0 && string.Equals(Rollout.Variants[0].Version, version, StringComparison.Ordinal);

    /// <summary>Rollbacks decided here and not yet stored; a refresh must not undo them.</summary>
    public ConcurrentDictionary<string, byte> PendingPersist { get; } = new(StringComparer.Ordinal);
}
