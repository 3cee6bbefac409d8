using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// The default <see cref="IIdempotencyStore"/>: records live in this process, bounded in number,
/// and expire by the <see cref="TimeProvider"/>. Use a shared store (such as Contracts.Ai.Redis) when
/// several app instances must see each other's records.
/// </summary>
/// <remarks>
/// Thread-safe. When full, a new key first evicts expired records, then the oldest completed one;
/// running calls are never evicted, so when every record is running a new key gets
/// <see cref="IdempotencyStoreUnavailableException"/>.
/// </remarks>
public sealed class InMemoryIdempotencyStore : IIdempotencyStore
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _started = new();
    private readonly Queue<Entry> _completed = new();
    private readonly TimeProvider _timeProvider;
    private readonly object _gate = new();
    private long _nextLease;

    /// <summary>Initializes a new instance of the <see cref="InMemoryIdempotencyStore"/> class holding up to 10,000 records, on the system clock.</summary>
    public InMemoryIdempotencyStore()
        : this(new IdempotencyOptions().InMemoryCapacity)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InMemoryIdempotencyStore"/> class.</summary>
    /// <param name="capacity">The most records kept.</param>
    /// <param name="timeProvider">The clock for leases and time-to-live; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    public InMemoryIdempotencyStore(int capacity, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the most records the store keeps.</summary>
    public int Capacity { get; }

    /// <summary>Gets the number of records held, expired ones not yet dropped included.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(fingerprint);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        long now = _timeProvider.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            if (_entries.Count >= Capacity && !_entries.ContainsKey(key))
            {
                MakeRoom(now);
            }

            // One hash lookup: find the key's slot, or add an empty one to fill below.
            ref Entry? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out bool exists);
            if (exists)
            {
                Entry existing = slot!;
                if (existing.ExpiresAt > now)
                {
                    return new ValueTask<IdempotencyBeginResult>(
                        !string.Equals(existing.Fingerprint, fingerprint, StringComparison.Ordinal) ? IdempotencyBeginResult.Conflict
                        : existing.Result is { } result ? IdempotencyBeginResult.Completed(result)
                        : IdempotencyBeginResult.InProgress);
                }

                existing.Removed = true;
            }

            var entry = new Entry(key, fingerprint, (++_nextLease).ToString(CultureInfo.InvariantCulture), now + lease.Ticks);
            slot = entry;
            Enqueue(_started, entry);
            return new ValueTask<IdempotencyBeginResult>(IdempotencyBeginResult.Started(entry.LeaseId));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        byte[] copy = result.ToArray();
        long now = _timeProvider.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            if (!TryGetHeld(key, leaseId, now, out Entry? entry))
            {
                return new ValueTask<bool>(false);
            }

            entry.Result = copy;
            entry.ExpiresAt = now + timeToLive.Ticks;
            Enqueue(_completed, entry);
            return new ValueTask<bool>(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        cancellationToken.ThrowIfCancellationRequested();

        long now = _timeProvider.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            if (!TryGetHeld(key, leaseId, now, out Entry? entry))
            {
                return new ValueTask<bool>(false);
            }

            entry.Removed = true;
            _entries.Remove(key);
            return new ValueTask<bool>(true);
        }
    }

    private bool TryGetHeld(string key, string leaseId, long now, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Entry? entry) =>
        _entries.TryGetValue(key, out entry)
        && entry.Result is null
        && entry.ExpiresAt > now
        && string.Equals(entry.LeaseId, leaseId, StringComparison.Ordinal);

    private void MakeRoom(long now)
    {
        // Leases and time-to-live are each the same for every record of an app, so each queue is
        // (nearly) in expiry order: expired records sit at the heads.
        if (EvictHead(_started, completed: false, now, expiredOnly: true) | EvictHead(_completed, completed: true, now, expiredOnly: true))
        {
            return;
        }

        if (EvictHead(_completed, completed: true, now, expiredOnly: false))
        {
            return;
        }

        throw new IdempotencyStoreUnavailableException(
            $"The in-memory idempotency store is full: all {Capacity} records belong to running calls. Raise GovernedAi:Idempotency:InMemoryCapacity.");
    }

    private bool EvictHead(Queue<Entry> queue, bool completed, long now, bool expiredOnly)
    {
        while (queue.TryPeek(out Entry? head))
        {
            if (!IsCurrent(head, completed))
            {
                queue.Dequeue();
                continue;
            }

            if (expiredOnly && head.ExpiresAt > now)
            {
                return false;
            }

            queue.Dequeue();
            head.Removed = true;
            _entries.Remove(head.Key);
            return true;
        }

        return false;
    }

    private static bool IsCurrent(Entry entry, bool completed) => !entry.Removed && (entry.Result is not null) == completed;

    private void Enqueue(Queue<Entry> queue, Entry entry)
    {
        // Released, completed and replaced records leave stale queue items behind: drop those at the
        // head as they surface, and compact now and then so the queues stay proportional to the records held.
        bool completed = ReferenceEquals(queue, _completed);
        while (queue.TryPeek(out Entry? head) && !IsCurrent(head, completed))
        {
            queue.Dequeue();
        }

        queue.Enqueue(entry);
        if (queue.Count > 2 * Math.Max(Capacity, 64))
        {
            int count = queue.Count;
            for (int i = 0; i < count; i++)
            {
                Entry item = queue.Dequeue();
                if (IsCurrent(item, completed))
                {
                    queue.Enqueue(item);
                }
            }
        }
    }

    private sealed class Entry(string key, string fingerprint, string leaseId, long expiresAt)
    {
        public string Key { get; } = key;

        public string Fingerprint { get; } = fingerprint;

        public string LeaseId { get; } = leaseId;

        public long ExpiresAt { get; set; } = expiresAt;

        public byte[]? Result { get; set; }

        /// <summary>Gets or sets a value indicating whether the record left the store (released, replaced or evicted).</summary>
        public bool Removed { get; set; }
    }
}
