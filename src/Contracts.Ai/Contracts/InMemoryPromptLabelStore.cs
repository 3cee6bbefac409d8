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
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _labels = new(StringComparer.Ordinal);

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
}
