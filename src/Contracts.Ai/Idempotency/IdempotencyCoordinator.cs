using System;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>Runs an operation at most once per key: begin, run, complete (or release on failure), replay for repeats.</summary>
/// <remarks>Thread-safe; one instance serves every call of an app.</remarks>
internal sealed partial class IdempotencyCoordinator
{
    private readonly ILogger _logger;

    public IdempotencyCoordinator(IIdempotencyStore store, IdempotencyOptions options, TimeProvider timeProvider)
        : this(store, options, timeProvider, logger: null)
    {
    }

    public IdempotencyCoordinator(IIdempotencyStore store, IdempotencyOptions options, TimeProvider timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.ThrowIfInvalid("GovernedAi:Idempotency");
        Store = store;
        Options = options;
        TimeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    public IIdempotencyStore Store { get; }

    public IdempotencyOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Runs <paramref name="operation"/> once for <paramref name="key"/>; a repeat returns the stored result with Replayed set.</summary>
    /// <exception cref="IdempotencyConflictException">The key was used with another fingerprint; nothing ran.</exception>
    /// <exception cref="IdempotencyInProgressException">A run with the key did not complete within <see cref="IdempotencyOptions.InProgressWait"/>; nothing ran.</exception>
    /// <exception cref="IdempotencyStoreUnavailableException">The store cannot be reached and the options fail closed; nothing ran.</exception>
    /// <exception cref="InvalidOperationException">The result cannot be serialised with <paramref name="typeInfo"/> (the operation ran; its claim is released), or a stored result cannot be read back.</exception>
    public async ValueTask<IdempotentResult<T>> ExecuteAsync<T>(
        string key, string fingerprint, Func<CancellationToken, ValueTask<T>> operation, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(fingerprint);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(typeInfo);

        IdempotencyClaim claim = await BeginAsync(key, fingerprint, cancellationToken).ConfigureAwait(false);
        if (claim.IsReplay)
        {
            return new IdempotentResult<T>(Deserialize(claim, typeInfo), Replayed: true);
        }

        T value;
        try
        {
            value = await operation(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseAsync(claim).ConfigureAwait(false);
            throw;
        }

        await CompleteAsync(claim, value, typeInfo).ConfigureAwait(false);
        return new IdempotentResult<T>(value, Replayed: false);
    }

    /// <summary>Claims <paramref name="key"/>, waiting while another run holds it; returns a replay, a claim to run under, or a bypass when the store is down and the options fail open.</summary>
    public async ValueTask<IdempotencyClaim> BeginAsync(string key, string fingerprint, CancellationToken cancellationToken)
    {
        long started = TimeProvider.GetTimestamp();
        while (true)
        {
            IdempotencyBeginResult begin;
            try
            {
                begin = await Store.TryBeginAsync(key, fingerprint, Options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            }
            catch (IdempotencyStoreUnavailableException ex) when (Options.OnStoreUnavailable == IdempotencyFailureMode.FailOpen)
            {
                IdempotencyTelemetry.StoreUnavailable(IdempotencyFailureMode.FailOpen);
                LogRunningWithoutIdempotency(_logger, ex);
                return new IdempotencyClaim(key, leaseId: null, result: default, isReplay: false);
            }
            catch (IdempotencyStoreUnavailableException)
            {
                IdempotencyTelemetry.StoreUnavailable(IdempotencyFailureMode.FailClosed);
                throw;
            }

            switch (begin.Status)
            {
                case IdempotencyBeginStatus.Started:
                    return new IdempotencyClaim(key, begin.LeaseId ?? throw new InvalidOperationException($"{Store.GetType().Name} started a run without a lease id."), default, isReplay: false);

                case IdempotencyBeginStatus.Completed:
                    GovernedAiTelemetry.IdempotencyReplays.Add(1);
                    return new IdempotencyClaim(key, leaseId: null, begin.Result, isReplay: true);

                case IdempotencyBeginStatus.Conflict:
                    throw new IdempotencyConflictException(
                        $"The idempotency key '{key}' was already used with a different payload; nothing was run. Use a new key for a different request.");

                default:
                    if (TimeProvider.GetElapsedTime(started) >= Options.InProgressWait)
                    {
                        throw new IdempotencyInProgressException(
                            $"A call with the idempotency key '{key}' is still in progress after waiting {Options.InProgressWait}; nothing was run. Retry later.");
                    }

                    await Task.Delay(Options.PollInterval, TimeProvider, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Stores the result of a run made under <paramref name="claim"/>; a result that cannot be serialised releases the claim and throws.</summary>
    public async ValueTask CompleteAsync<T>(IdempotencyClaim claim, T value, JsonTypeInfo<T> typeInfo)
    {
        if (claim.LeaseId is null)
        {
            return;
        }

        byte[] bytes;
        try
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            await ReleaseAsync(claim).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"The result for idempotency key '{claim.Key}' cannot be stored for replay: {typeof(T).Name} does not serialise with the given JSON type information ({ex.GetType().Name}). " +
                "The operation ran once; its claim was released. Pass a JsonTypeInfo that handles the result type.", ex);
        }

        try
        {
            // The operation already ran: its completion must not be abandoned because the caller gave up.
            bool stored = Store is InMemoryIdempotencyStore
                ? await Store.CompleteAsync(claim.Key, claim.LeaseId, bytes, Options.CompletedTimeToLive, CancellationToken.None).ConfigureAwait(false)
                : await WithinStoreWriteTimeout(static state => state.Store.CompleteAsync(state.Key, state.LeaseId!, state.Bytes, state.TimeToLive, CancellationToken.None), (Store, claim.Key, claim.LeaseId, Bytes: (ReadOnlyMemory<byte>)bytes, TimeToLive: Options.CompletedTimeToLive)).ConfigureAwait(false);
            if (!stored)
            {
                LogLeaseLost(_logger, claim.Key, Options.LeaseDuration);
            }
        }
        catch (TimeoutException ex)
        {
            IdempotencyTelemetry.StoreUnavailable(Options.OnStoreUnavailable);
            LogCompletionNotStored(_logger, claim.Key, ex);
        }
        catch (IdempotencyStoreUnavailableException ex)
        {
            // The run succeeded; failing the caller now would invite the very retry this guards against.
            IdempotencyTelemetry.StoreUnavailable(Options.OnStoreUnavailable);
            LogCompletionNotStored(_logger, claim.Key, ex);
        }
    }

    /// <summary>Releases <paramref name="claim"/> after a failed run, so a retry runs again.</summary>
    public async ValueTask ReleaseAsync(IdempotencyClaim claim)
    {
        if (claim.LeaseId is null)
        {
            return;
        }

        try
        {
            _ = Store is InMemoryIdempotencyStore
                ? await Store.ReleaseAsync(claim.Key, claim.LeaseId, CancellationToken.None).ConfigureAwait(false)
                : await WithinStoreWriteTimeout(static state => state.Store.ReleaseAsync(state.Key, state.LeaseId!, CancellationToken.None), (Store, claim.Key, claim.LeaseId)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IdempotencyStoreUnavailableException or TimeoutException)
        {
            // The caller sees the run's own error; the lease expires on its own.
            LogReleaseFailed(_logger, claim.Key, Options.LeaseDuration, ex);
        }
    }

    /// <summary>
    /// Waits for a store write at most <see cref="IdempotencyOptions.StoreWriteTimeout"/>; a write still running then is left to
    /// finish on its own. The write starts on the thread pool: a store client can block before it returns its task (a
    /// Redis client tearing down a dead connection does), and that time counts too.
    /// </summary>
    /// <exception cref="TimeoutException">The store did not answer in time.</exception>
    private Task<bool> WithinStoreWriteTimeout<TState>(Func<TState, ValueTask<bool>> write, TState state)
    {
        Task<bool> running = Task.Factory.StartNew(
            static s =>
            {
                var (write, state) = ((Func<TState, ValueTask<bool>>, TState))s!;
                return write(state).AsTask();
            },
            (write, state),
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default).Unwrap();
        _ = running.ContinueWith(static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return running.WaitAsync(Options.StoreWriteTimeout, TimeProvider);
    }

    /// <summary>Reads the stored result of a replay claim.</summary>
    public static T Deserialize<T>(IdempotencyClaim claim, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(claim.Result.Span, typeInfo)!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new InvalidOperationException(
                $"The stored result for idempotency key '{claim.Key}' cannot be read as {typeof(T).Name} ({ex.GetType().Name}); nothing was run. " +
                "The key was completed by code returning another type.", ex);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The idempotency store is unavailable; running without idempotency because GovernedAi:Idempotency:OnStoreUnavailable is FailOpen.")]
    private static partial void LogRunningWithoutIdempotency(ILogger logger, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "The lease on idempotency key '{Key}' expired before the run completed, so its result was not stored. Raise GovernedAi:Idempotency:LeaseDuration (now {LeaseDuration}).")]
    private static partial void LogLeaseLost(ILogger logger, string key, TimeSpan leaseDuration);

    [LoggerMessage(3, LogLevel.Error, "The run for idempotency key '{Key}' completed but its result could not be stored: the idempotency store is unavailable.")]
    private static partial void LogCompletionNotStored(ILogger logger, string key, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "The claim on idempotency key '{Key}' could not be released after a failed run; a retry runs once the lease ({LeaseDuration}) expires.")]
    private static partial void LogReleaseFailed(ILogger logger, string key, TimeSpan leaseDuration, Exception exception);
}

/// <summary>The value an idempotent run produced, and whether it was replayed from the store.</summary>
internal readonly record struct IdempotentResult<T>(T Value, bool Replayed);

/// <summary>What <see cref="IdempotencyCoordinator.BeginAsync"/> decided: replay <see cref="Result"/>, or run (under <see cref="LeaseId"/>, or unprotected when it is <see langword="null"/>).</summary>
[DebuggerDisplay("{Key} replay={IsReplay} lease={LeaseId}")]
internal readonly struct IdempotencyClaim(string key, string? leaseId, ReadOnlyMemory<byte> result, bool isReplay)
{
    public string Key { get; } = key;

    public string? LeaseId { get; } = leaseId;

    public ReadOnlyMemory<byte> Result { get; } = result;

    public bool IsReplay { get; } = isReplay;
}
