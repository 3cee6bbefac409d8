using System;

namespace Contracts.Ai;

/// <summary>The answer of <see cref="IIdempotencyStore.TryBeginAsync"/>.</summary>
/// <param name="Status">The key's state.</param>
/// <param name="LeaseId">The lease the caller holds, when <see cref="IdempotencyBeginStatus.Started"/>.</param>
/// <param name="Result">The stored result, when <see cref="IdempotencyBeginStatus.Completed"/>.</param>
public readonly record struct IdempotencyBeginResult(IdempotencyBeginStatus Status, string? LeaseId, ReadOnlyMemory<byte> Result)
{
    /// <summary>Gets the answer for a key another run holds.</summary>
    public static IdempotencyBeginResult InProgress => new(IdempotencyBeginStatus.InProgress, null, default);

    /// <summary>Gets the answer for a key held for a different payload.</summary>
    public static IdempotencyBeginResult Conflict => new(IdempotencyBeginStatus.Conflict, null, default);

    /// <summary>Creates the answer for a key the caller now holds.</summary>
    /// <param name="leaseId">The caller's lease.</param>
    /// <returns>The answer.</returns>
    public static IdempotencyBeginResult Started(string leaseId) => new(IdempotencyBeginStatus.Started, leaseId, default);

    /// <summary>Creates the answer for a completed key.</summary>
    /// <param name="result">The stored result.</param>
    /// <returns>The answer.</returns>
    public static IdempotencyBeginResult Completed(ReadOnlyMemory<byte> result) => new(IdempotencyBeginStatus.Completed, null, result);
}
