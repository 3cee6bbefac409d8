using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>The default <see cref="IPromptLabelStore"/>: label positions in this process's memory.</summary>
/// <remarks>
/// One instance shared by several registries in a process (for example, several service providers)
/// moves their labels together. Safe to use from many threads at once; every operation completes synchronously.
/// </remarks>
public sealed class InMemoryPromptLabelStore : IPromptLabelStore
{
    private const int MaxChanges = 1000;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _labels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<PromptChangeEvent>> _changes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask SetLabelAsync(string contractId, string label, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        cancellationToken.ThrowIfCancellationRequested();
        _labels.GetOrAdd(contractId, static _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal))[label] = version;
        return default;
    }

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<IReadOnlyDictionary<string, string>> GetLabelsAsync(string contractId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyDictionary<string, string> result = _labels.TryGetValue(contractId, out ConcurrentDictionary<string, string>? labels)
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return new ValueTask<IReadOnlyDictionary<string, string>>(result);
    }

    /// <inheritdoc />
    /// <remarks>Keeps each contract's latest 1000 changes.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="change"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask AppendChangeAsync(PromptChangeEvent change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        cancellationToken.ThrowIfCancellationRequested();
        List<PromptChangeEvent> changes = _changes.GetOrAdd(change.ContractId, static _ => new List<PromptChangeEvent>());
        lock (changes)
        {
            changes.Add(change);
            if (changes.Count > MaxChanges)
            {
                changes.RemoveRange(0, changes.Count - MaxChanges);
            }
        }

        return default;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is not positive.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<IReadOnlyList<PromptChangeEvent>> GetChangesAsync(string contractId, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_changes.TryGetValue(contractId, out List<PromptChangeEvent>? changes))
        {
            return new(Array.Empty<PromptChangeEvent>());
        }

        lock (changes)
        {
            int count = Math.Min(maxCount, changes.Count);
            var newestFirst = new PromptChangeEvent[count];
            for (int i = 0; i < count; i++)
            {
                newestFirst[i] = changes[changes.Count - 1 - i];
            }

            return new(newestFirst);
        }
    }
}
