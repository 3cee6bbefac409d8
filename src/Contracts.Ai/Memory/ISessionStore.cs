using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>Where session memory keeps its turns: <see cref="InMemorySessionStore"/> by default, Redis with <c>UseRedis(...)</c>, or the app's own.</summary>
/// <remarks>
/// A store must be thread-safe and append atomically: concurrent appends to one session all land, none overwrites another.
/// Connection failures and timeouts surface as <see cref="SessionStoreUnavailableException"/>.
/// </remarks>
public interface ISessionStore : ISessionMemory
{
    /// <summary>Returns the stored turns of a session, oldest first; empty when it is unknown, expired or forgotten.</summary>
    /// <param name="key">The session.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The turns.</returns>
    /// <exception cref="SessionStoreUnavailableException">The store cannot be reached.</exception>
    ValueTask<IReadOnlyList<SessionTurn>> LoadAsync(SessionKey key, CancellationToken cancellationToken = default);

    /// <summary>Appends a turn to a session atomically, keeps at most <paramref name="maxTurns"/> (dropping the oldest), and keeps the session for <paramref name="idleTimeout"/> from now.</summary>
    /// <param name="key">The session.</param>
    /// <param name="turn">The turn.</param>
    /// <param name="maxTurns">The most turns the session keeps.</param>
    /// <param name="idleTimeout">How long the session is kept after this turn.</param>
    /// <param name="cancellationToken">Cancels the append before it is sent.</param>
    /// <returns>A task that completes once the turn is stored.</returns>
    /// <exception cref="SessionStoreUnavailableException">The store cannot be reached.</exception>
    ValueTask AppendAsync(SessionKey key, SessionTurn turn, int maxTurns, TimeSpan idleTimeout, CancellationToken cancellationToken = default);
}
