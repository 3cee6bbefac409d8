using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>Stores idempotency records: a key is first claimed with a lease, then completed with its result or released.</summary>
/// <remarks>
/// <para>
/// Implementations are atomic per key and safe to use from many threads (and, for shared stores,
/// many processes). A record whose lease or time-to-live has passed counts as absent. Completing or
/// releasing checks the lease id, so a holder whose lease expired (and whose key another caller
/// claimed since) can never overwrite the newer record.
/// </para>
/// <para>
/// When the backing store cannot be reached, implementations throw
/// <see cref="IdempotencyStoreUnavailableException"/>, so callers can apply
/// <see cref="IdempotencyOptions.OnStoreUnavailable"/>. A shared store should answer each call in one round trip.
/// </para>
/// </remarks>
public interface IIdempotencyStore
{
    /// <summary>Claims <paramref name="key"/> for a new run, or reports the record that already holds it.</summary>
    /// <param name="key">The scoped key.</param>
    /// <param name="fingerprint">A hash of the payload; the same key with another fingerprint is a conflict. Must not contain line breaks.</param>
    /// <param name="lease">How long the claim holds if the holder never completes or releases it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the store holds for the key after the call.</returns>
    /// <exception cref="IdempotencyStoreUnavailableException">The store cannot be reached.</exception>
    ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Stores the result of a run and marks the key completed, if <paramref name="leaseId"/> still holds it.</summary>
    /// <param name="key">The scoped key.</param>
    /// <param name="leaseId">The lease returned by <see cref="TryBeginAsync"/>.</param>
    /// <param name="result">The serialised result.</param>
    /// <param name="timeToLive">How long the completed record is kept.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when stored; <see langword="false"/> when the lease was lost (expired, or the key was claimed again).</returns>
    /// <exception cref="IdempotencyStoreUnavailableException">The store cannot be reached.</exception>
    ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Releases the claim after a failed run, so a retry runs again, if <paramref name="leaseId"/> still holds it.</summary>
    /// <param name="key">The scoped key.</param>
    /// <param name="leaseId">The lease returned by <see cref="TryBeginAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when released; <see langword="false"/> when the lease was lost.</returns>
    /// <exception cref="IdempotencyStoreUnavailableException">The store cannot be reached.</exception>
    ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default);
}
