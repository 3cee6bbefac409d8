using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>The remembered conversations of an app, as the app reads and erases them; resolve it from the service provider after <c>AddSessionMemory()</c>.</summary>
/// <remarks>Sessions are scoped by tenant, user and session id. Thread-safe.</remarks>
public interface ISessionMemory
{
    /// <summary>Returns the remembered messages of a session, oldest first, as stored (redacted, without the contract's system prompt).</summary>
    /// <param name="tenantId">The tenant, or <see langword="null"/>.</param>
    /// <param name="userId">The user, or <see langword="null"/> for a session without a user.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The messages; empty when the session is unknown, expired or forgotten.</returns>
    /// <exception cref="System.ArgumentException"><paramref name="sessionId"/> is null, empty or white space.</exception>
    /// <exception cref="SessionStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<ChatMessage>> GetHistoryAsync(string? tenantId, string? userId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Erases one session.</summary>
    /// <param name="tenantId">The tenant, or <see langword="null"/>.</param>
    /// <param name="userId">The user, or <see langword="null"/> for a session without a user.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the erasure.</param>
    /// <returns>A task that completes once the session is erased.</returns>
    /// <exception cref="System.ArgumentException"><paramref name="sessionId"/> is null, empty or white space.</exception>
    /// <exception cref="SessionStoreUnavailableException">The store cannot be reached.</exception>
    Task ForgetSessionAsync(string? tenantId, string? userId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Erases every session of a user in a tenant (for example on a right-to-erasure request).</summary>
    /// <param name="tenantId">The tenant, or <see langword="null"/>.</param>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the erasure.</param>
    /// <returns>A task that completes once every session of the user is erased.</returns>
    /// <exception cref="System.ArgumentException"><paramref name="userId"/> is null, empty or white space.</exception>
    /// <exception cref="SessionStoreUnavailableException">The store cannot be reached.</exception>
    Task ForgetUserAsync(string? tenantId, string userId, CancellationToken cancellationToken = default);
}
