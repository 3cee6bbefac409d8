using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>An <see cref="ISessionStore"/> in the process's memory: the default for one app instance. Use Redis (<c>UseRedis(...)</c>) for a fleet.</summary>
/// <remarks>
/// <para>
/// Each session holds an immutable array of turns that an append replaces under the session's lock, so a read
/// never waits and concurrent appends all land. A session not appended to for its idle timeout is gone. When
/// <c>capacity</c> sessions are held, adding one more first drops expired sessions, then the least recently
/// appended tenth.
/// </para>
/// <para>Thread-safe. <see cref="ForgetUserAsync"/> scans every session: erasure is rare, appends are not.</para>
/// </remarks>
public sealed class InMemorySessionStore : ISessionStore
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<SessionKey, Session> _sessions = new();
    private readonly TimeProvider _timeProvider;
    private readonly int _capacity;
    private readonly object _evictionGate = new();
    private long _nextSweep;

    /// <summary>Initializes a new instance of the <see cref="InMemorySessionStore"/> class.</summary>
    /// <param name="capacity">The most sessions kept.</param>
    /// <param name="timeProvider">The clock for idle expiry; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    public InMemorySessionStore(int capacity = 100_000, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets how many sessions are held, expired ones not yet swept included.</summary>
    public int Count => _sessions.Count;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SessionTurn>> LoadAsync(SessionKey key, CancellationToken cancellationToken = default)
    {
        key.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<IReadOnlyList<SessionTurn>>(Read(key));
    }

    /// <inheritdoc />
    public ValueTask AppendAsync(SessionKey key, SessionTurn turn, int maxTurns, TimeSpan idleTimeout, CancellationToken cancellationToken = default)
    {
        key.Validate();
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTurns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleTimeout, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        long now = _timeProvider.GetUtcNow().UtcTicks;
        SweepIfDue(now);
        while (true)
        {
            if (!_sessions.TryGetValue(key, out Session? session))
            {
                if (_sessions.Count >= _capacity)
                {
                    Evict(now);
                }

                session = _sessions.GetOrAdd(key, static _ => new Session());
            }

            lock (session)
            {
                if (session.Removed)
                {
                    // Forgotten or evicted between the lookup and the lock: append to a fresh session.
                    continue;
                }

                SessionTurn[] turns = session.ExpiresAt <= now ? [] : session.Turns;
                int keep = Math.Min(turns.Length, maxTurns - 1);
                var next = new SessionTurn[keep + 1];
                Array.Copy(turns, turns.Length - keep, next, 0, keep);
                next[keep] = turn;
                session.Turns = next;
                session.LastAppended = now;
                session.ExpiresAt = now + idleTimeout.Ticks;
                return default;
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessage>> GetHistoryAsync(string? tenantId, string? userId, string sessionId, CancellationToken cancellationToken = default)
    {
        var key = new SessionKey(tenantId, userId, sessionId);
        key.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<ChatMessage>>(SessionHistory.Flatten(Read(key)));
    }

    /// <inheritdoc />
    public Task ForgetSessionAsync(string? tenantId, string? userId, string sessionId, CancellationToken cancellationToken = default)
    {
        var key = new SessionKey(tenantId, userId, sessionId);
        key.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        Remove(key);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ForgetUserAsync(string? tenantId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (KeyValuePair<SessionKey, Session> entry in _sessions)
        {
            if (string.Equals(entry.Key.TenantId, tenantId, StringComparison.Ordinal) && string.Equals(entry.Key.UserId, userId, StringComparison.Ordinal))
            {
                Remove(entry.Key);
            }
        }

        return Task.CompletedTask;
    }

    private SessionTurn[] Read(SessionKey key)
    {
        if (!_sessions.TryGetValue(key, out Session? session))
        {
            return [];
        }

        // The array is replaced, never changed, so the reference read is a consistent snapshot.
        SessionTurn[] turns = Volatile.Read(ref session.Turns);
        return Volatile.Read(ref session.ExpiresAt) <= _timeProvider.GetUtcNow().UtcTicks ? [] : turns;
    }

    private void Remove(SessionKey key)
    {
        if (_sessions.TryRemove(key, out Session? session))
        {
            lock (session)
            {
                session.Removed = true;
                session.Turns = [];
            }
        }
    }

    private void SweepIfDue(long now)
    {
        long due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + SweepInterval.Ticks, due) != due)
        {
            return;
        }

        foreach (KeyValuePair<SessionKey, Session> entry in _sessions)
        {
            if (Volatile.Read(ref entry.Value.ExpiresAt) <= now)
            {
                RemoveIfExpired(entry.Key, entry.Value, now);
            }
        }
    }

    private void Evict(long now)
    {
        lock (_evictionGate)
        {
            if (_sessions.Count < _capacity)
            {
                return;
            }

            var live = new List<KeyValuePair<SessionKey, Session>>(_sessions.Count);
            foreach (KeyValuePair<SessionKey, Session> entry in _sessions)
            {
                if (Volatile.Read(ref entry.Value.ExpiresAt) <= now)
                {
                    RemoveIfExpired(entry.Key, entry.Value, now);
                }
                else
                {
                    live.Add(entry);
                }
            }

            if (_sessions.Count < _capacity)
            {
                return;
            }

            // Drop the least recently appended tenth at once, so a full store does not scan on every new session.
            live.Sort(static (a, b) => Volatile.Read(ref a.Value.LastAppended).CompareTo(Volatile.Read(ref b.Value.LastAppended)));
            int drop = Math.Max(1, live.Count / 10);
            for (int i = 0; i < drop; i++)
            {
                Remove(live[i].Key);
            }
        }
    }

    private void RemoveIfExpired(SessionKey key, Session session, long now)
    {
        lock (session)
        {
            if (session.ExpiresAt > now || session.Removed)
            {
                return;
            }

            session.Removed = true;
        }

        _sessions.TryRemove(new KeyValuePair<SessionKey, Session>(key, session));
    }

    private sealed class Session
    {
        public SessionTurn[] Turns = [];
        public long ExpiresAt = long.MaxValue;
        public long LastAppended;
        public bool Removed;
    }
}
