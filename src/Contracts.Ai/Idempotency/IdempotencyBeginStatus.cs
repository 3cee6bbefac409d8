namespace Contracts.Ai;

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
