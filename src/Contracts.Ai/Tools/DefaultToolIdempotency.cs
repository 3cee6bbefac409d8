using System;
using System.Threading;

namespace Contracts.Ai;

/// <summary>The process-wide idempotency of tools used without a store from dependency injection: the bounded in-memory store.</summary>
internal static class DefaultToolIdempotency
{
    private static IdempotencyCoordinator? s_coordinator;

    public static IdempotencyCoordinator Coordinator =>
        LazyInitializer.EnsureInitialized(ref s_coordinator, static () => new IdempotencyCoordinator(new InMemoryIdempotencyStore(), new IdempotencyOptions(), TimeProvider.System));
}
