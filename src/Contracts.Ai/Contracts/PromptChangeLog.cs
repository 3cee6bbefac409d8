using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>
/// The paper trail of label moves, rollbacks and promotions: asks the <see cref="IPromptChangeAuthorizer"/> first,
/// then writes each change to the audit sinks, the log, the <c>contracts_ai.prompt.changes</c> metric and the fleet's
/// history in the <see cref="IPromptLabelStore"/> (in the background: a change never waits for the store).
/// </summary>
internal sealed partial class PromptChangeLog
{
    public const string ChangesMetric = "contracts_ai.prompt.changes";
    public const string ChangeKind = "contracts_ai.change.kind";
    public const string ChangeResult = "contracts_ai.change.result";

    private static readonly Counter<long> Changes = GovernedAiTelemetry.Meter.CreateCounter<long>(
        ChangesMetric, "{change}", "Label moves, rollbacks and promotions, applied or refused.");

    private readonly IAuditSink[] _sinks;
    private readonly IPromptLabelStore? _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public PromptChangeLog(IEnumerable<IAuditSink>? sinks, IPromptLabelStore? store, IPromptChangeAuthorizer? authorizer, string? instanceId, TimeProvider? timeProvider, ILogger? logger)
    {
        _sinks = sinks is null ? [] : new List<IAuditSink>(sinks).ToArray();
        _store = store;
        Authorizer = authorizer;
        InstanceId = string.IsNullOrWhiteSpace(instanceId) ? DefaultInstanceId() : instanceId;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public IPromptChangeAuthorizer? Authorizer { get; }

    public string InstanceId { get; }

    public static string DefaultInstanceId() => string.Concat(Environment.MachineName, ":", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public PromptChangeEvent Create(PromptChangeKind kind, string contractId, string label, string? from, string? to, string? changedBy, string? reason) => new()
    {
        Kind = kind,
        ContractId = contractId,
        Label = label,
        FromVersion = from,
        ToVersion = to,
        ChangedBy = string.IsNullOrWhiteSpace(changedBy) ? "unknown" : changedBy,
        Reason = reason,
        Timestamp = _timeProvider.GetUtcNow(),
        InstanceId = InstanceId,
    };

    /// <summary>Asks the authorizer; returns the refusal, or <see langword="null"/> when the change may go ahead.</summary>
    public string? Refusal(PromptChangeEvent change)
    {
        if (Authorizer is null)
        {
            return null;
        }

        if (Authorizer.TryAuthorize(change, out string? refusal))
        {
            return null;
        }

        refusal = string.IsNullOrWhiteSpace(refusal) ? "no reason given" : refusal;
        Count(change, "refused");
        LogRefused(_logger, change.Kind, change.ContractId, change.Label, change.FromVersion, change.ToVersion, change.ChangedBy, refusal);
        return refusal;
    }

    /// <summary>Asks the authorizer and throws <see cref="PromptChangeRefusedException"/> when it refuses.</summary>
    public void Authorize(PromptChangeEvent change)
    {
        if (Refusal(change) is { } refusal)
        {
            throw new PromptChangeRefusedException(change, refusal);
        }
    }

    /// <summary>Gets whether any audit sink is registered.</summary>
    public bool HasAuditSinks => _sinks.Length != 0;

    /// <summary>Writes a record to every audit sink; a failing sink is logged, never thrown.</summary>
    public void WriteAudit(DecisionRecord record)
    {
        foreach (IAuditSink sink in _sinks)
        {
            try
            {
                sink.Write(record);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogSinkFailed(_logger, sink.GetType().Name, ex);
            }
        }
    }

    /// <summary>Records an applied change.</summary>
    public void Record(PromptChangeEvent change)
    {
        Count(change, "applied");
        LogChanged(_logger, change.Kind, change.ContractId, change.Label, change.FromVersion, change.ToVersion, change.ChangedBy, change.InstanceId, change.Reason);
        if (_sinks.Length != 0)
        {
            WriteAudit(new DecisionRecord
            {
                Timestamp = change.Timestamp,
                TraceId = Activity.Current is { } activity ? activity.TraceId.ToHexString() : null,
                ContractId = change.ContractId,
                ContractVersion = change.ToVersion,
                ContractLabel = change.Label,
                Outcome = "change",
                Change = change,
            });
        }

        if (_store is not null)
        {
            _ = AppendAsync(_store, change);
        }
    }

    private async Task AppendAsync(IPromptLabelStore store, PromptChangeEvent change)
    {
        try
        {
            await store.AppendChangeAsync(change, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStoreFailed(_logger, change.ContractId, ex);
        }
    }

    private static void Count(PromptChangeEvent change, string result)
    {
        if (Changes.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, change.ContractId },
                { TelemetryNames.Attributes.ContractLabel, change.Label },
                { ChangeKind, KindName(change.Kind) },
                { ChangeResult, result },
            };
            Changes.Add(1, tags);
        }
    }

    internal static string KindName(PromptChangeKind kind) => kind switch
    {
        PromptChangeKind.LabelMoved => "label_moved",
        PromptChangeKind.LabelRolledBack => "label_rolled_back",
        PromptChangeKind.Promoted => "promoted",
        PromptChangeKind.RolledBack => "rolled_back",
        _ => "rollback_cleared",
    };

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "{Kind} of contract {ContractId} label {Label}: {FromVersion} -> {ToVersion}, by {ChangedBy} on {InstanceId}: {Reason}")]
    private static partial void LogChanged(ILogger logger, PromptChangeKind kind, string contractId, string label, string? fromVersion, string? toVersion, string changedBy, string instanceId, string? reason);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "{Kind} of contract {ContractId} label {Label} ({FromVersion} -> {ToVersion}) by {ChangedBy} was refused: {Refusal}")]
    private static partial void LogRefused(ILogger logger, PromptChangeKind kind, string contractId, string label, string? fromVersion, string? toVersion, string changedBy, string refusal);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "The audit sink {Sink} failed to take a change or shadow record.")]
    private static partial void LogSinkFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Warning, Message = "The label store failed to keep a change of contract {ContractId}; the change applies, and the audit has it.")]
    private static partial void LogStoreFailed(ILogger logger, string contractId, Exception exception);
}
