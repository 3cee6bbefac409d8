using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>The process-wide idempotency of tools used without a store from dependency injection.</summary>
internal static class DefaultToolIdempotency
{
    private static IdempotencyCoordinator? s_coordinator;

    public static IdempotencyCoordinator Coordinator =>
        LazyInitializer.EnsureInitialized(ref s_coordinator, static () => new IdempotencyCoordinator(CreateStore(), new IdempotencyOptions(), TimeProvider.System));

    /// <summary>Creates the process-wide store.</summary>
    internal static IIdempotencyStore CreateStore() => new ProcessStore();

    /// <summary>A minimal in-process store (no expiry, no bound), until the bounded in-memory store is the default.</summary>
    private sealed class ProcessStore : IIdempotencyStore
    {
        private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

        public ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default)
        {
            string leaseId = Guid.NewGuid().ToString("N");
            Entry entry = _entries.GetOrAdd(key, static (_, state) => new Entry(state.fingerprint, state.leaseId), (fingerprint, leaseId));
            IdempotencyBeginResult result =
                !string.Equals(entry.Fingerprint, fingerprint, StringComparison.Ordinal) ? new(IdempotencyBeginStatus.Conflict, null, default)
                : entry.Result is { } stored ? new(IdempotencyBeginStatus.Completed, null, stored)
                : string.Equals(entry.LeaseId, leaseId, StringComparison.Ordinal) ? new(IdempotencyBeginStatus.Started, leaseId, default)
                : new(IdempotencyBeginStatus.InProgress, null, default);
            return new ValueTask<IdempotencyBeginResult>(result);
        }

        public ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default)
        {
            bool held = _entries.TryGetValue(key, out Entry? entry) && string.Equals(entry.LeaseId, leaseId, StringComparison.Ordinal);
            if (held)
            {
                entry!.Result = result.ToArray();
            }

            return new ValueTask<bool>(held);
        }

        public ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default) =>
            new(_entries.TryGetValue(key, out Entry? entry) &&
                string.Equals(entry.LeaseId, leaseId, StringComparison.Ordinal) &&
                _entries.TryRemove(new(key, entry)));

        private sealed class Entry(string fingerprint, string leaseId)
        {
            public string Fingerprint { get; } = fingerprint;

            public string LeaseId { get; } = leaseId;

            public ReadOnlyMemory<byte>? Result { get; set; }
        }
    }
}
