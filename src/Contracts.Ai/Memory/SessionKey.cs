using System;

namespace Contracts.Ai;

/// <summary>Identifies one remembered conversation: the session id within its tenant and user. The same session id under another tenant or user is another session.</summary>
/// <param name="TenantId">The tenant, or <see langword="null"/>.</param>
/// <param name="UserId">The user, or <see langword="null"/> for a session without a user (see <see cref="SessionMemoryOptions.RequireUser"/>).</param>
/// <param name="SessionId">The session id the app chose.</param>
public readonly record struct SessionKey(string? TenantId, string? UserId, string SessionId)
{
    /// <summary>Throws when the key cannot name a session.</summary>
    /// <exception cref="ArgumentException"><see cref="SessionId"/> is null, empty or white space, or <see cref="TenantId"/> or <see cref="UserId"/> is empty or white space.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(SessionId))
        {
            throw new ArgumentException("A session key needs a session id that is not empty or white space.", nameof(SessionId));
        }

        if (TenantId is not null && string.IsNullOrWhiteSpace(TenantId))
        {
            throw new ArgumentException("A session key's tenant id must be null or not empty.", nameof(TenantId));
        }

        if (UserId is not null && string.IsNullOrWhiteSpace(UserId))
        {
            throw new ArgumentException("A session key's user id must be null or not empty.", nameof(UserId));
        }
    }
}
