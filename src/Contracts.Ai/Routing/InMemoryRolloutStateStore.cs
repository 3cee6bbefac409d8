using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>The default <see cref="IRolloutStateStore"/>: rollback decisions in this process's memory.</summary>
public sealed class InMemoryRolloutStateStore : IRolloutStateStore
{
    private readonly ConcurrentDictionary<(string ContractId, string Label), ConcurrentDictionary<string, string>> _rolledBack = new();

    /// <inheritdoc />
    public ValueTask MarkRolledBackAsync(string contractId, string label, string version, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contractId);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(version);
        _rolledBack.GetOrAdd((contractId, label), static _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal))[version] = reason ?? string.Empty;
        return default;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, string>> GetRolledBackAsync(string contractId, string label, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contractId);
        ArgumentNullException.ThrowIfNull(label);
        IReadOnlyDictionary<string, string> result = _rolledBack.TryGetValue((contractId, label), out ConcurrentDictionary<string, string>? versions)
            ? new Dictionary<string, string>(versions, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return new ValueTask<IReadOnlyDictionary<string, string>>(result);
    }

    /// <inheritdoc />
    public ValueTask ClearRollbackAsync(string contractId, string label, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contractId);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(version);
        if (_rolledBack.TryGetValue((contractId, label), out ConcurrentDictionary<string, string>? versions))
        {
            versions.TryRemove(version, out _);
        }

        return default;
    }
}
