using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>Stores idempotency records: a key is first claimed with a lease, then completed with its result or released.</summary>
/// <remarks>Implementations are atomic per key and safe to use from many threads and processes.</remarks>
public interface IIdempotencyStore
{
    /// <summary>Claims <paramref name="key"/> for a new run, or reports the record that already holds it.</summary>
    /// <param name="key">The scoped key.</param>
    /// <param name="fingerprint">A hash of the payload; the same key with another fingerprint is a conflict.</param>
    /// <param name="lease">How long the claim holds if the holder never completes or releases it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the store holds for the key after the call.</returns>
    ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Stores the result of a run and marks the key completed, if <paramref name="leaseId"/> still holds it.</summary>
    /// <param name="key">The scoped key.</param>
    /// <param name="leaseId">The lease returned by <see cref="TryBeginAsync"/>.</param>
    /// <param name="result">The serialised result.</param>
    /// <param name="timeToLive">How long the completed record is kept.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when stored; <see langword="false"/> when the lease was lost.</returns>
    ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Releases the claim after a failed run, so a retry runs again, if <paramref name="leaseId"/> still holds it.</summary>
    /// <param name="key">The scoped key.</param>
    /// <param name="leaseId">The lease returned by <see cref="TryBeginAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when released; <see langword="false"/> when the lease was lost.</returns>
    ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default);
}

/// <summary>The state of an idempotency key as <see cref="IIdempotencyStore.TryBeginAsync"/> found it.</summary>
public enum IdempotencyBeginStatus
{
    /// <summary>The caller now holds the key and must run, then complete or release.</summary>
    Started = 0,

    /// <summary>Another run holds the key.</summary>
    InProgress = 1,

    /// <summary>The key is completed; <see cref="IdempotencyBeginResult.Result"/> holds the stored result.</summary>
    Completed = 2,

    /// <summary>The key is held (running or completed) for a different payload.</summary>
    Conflict = 3,
}

/// <summary>The answer of <see cref="IIdempotencyStore.TryBeginAsync"/>.</summary>
/// <param name="Status">The key's state.</param>
/// <param name="LeaseId">The lease the caller holds, when <see cref="IdempotencyBeginStatus.Started"/>.</param>
/// <param name="Result">The stored result, when <see cref="IdempotencyBeginStatus.Completed"/>.</param>
public readonly record struct IdempotencyBeginResult(IdempotencyBeginStatus Status, string? LeaseId, ReadOnlyMemory<byte> Result);
