using System;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// The idempotency of governed tools invoked outside any governed pipeline (directly, or by an app's own tool loop
/// with no tool governance stage): one bounded in-memory store for the process, since such a tool has no pipeline to
/// own one. A <see cref="ToolGovernanceChatClient"/> always brings its own coordinator.
/// </summary>
internal static class DefaultToolIdempotency
{
    private static IdempotencyCoordinator? s_coordinator;

    public static IdempotencyCoordinator Coordinator =>
        LazyInitializer.EnsureInitialized(ref s_coordinator, static () => new IdempotencyCoordinator(new InMemoryIdempotencyStore(), new IdempotencyOptions(), TimeProvider.System));
}
