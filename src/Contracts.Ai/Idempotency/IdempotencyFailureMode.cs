namespace Contracts.Ai;

/// <summary>What an idempotent call does when its idempotency store cannot be reached.</summary>
public enum IdempotencyFailureMode
{
    /// <summary>The call does not run; <see cref="IdempotencyStoreUnavailableException"/> is thrown. The safe choice for side effects.</summary>
    FailClosed = 0,

    /// <summary>The call runs without idempotency protection; the bypass is logged and counted in <c>contracts_ai.idempotency.store_unavailable</c>.</summary>
    FailOpen = 1,
}
