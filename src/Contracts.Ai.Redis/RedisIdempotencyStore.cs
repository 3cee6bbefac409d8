using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Ai.Redis;

/// <summary>
/// An <see cref="IIdempotencyStore"/> in Redis, shared by every app instance connected to it. Each
/// begin, complete and release is one atomic Lua script: one round trip, and a holder whose lease
/// expired can never overwrite or delete a newer holder's record.
/// </summary>
/// <remarks>
/// <para>
/// A record is one string key (<see cref="RedisIdempotencyStoreOptions.KeyPrefix"/> + key) claimed with
/// <c>SET NX PX</c>: while running it expires with its lease, once completed with its time-to-live.
/// </para>
/// <para>Thread-safe. Connection failures and timeouts surface as <see cref="IdempotencyStoreUnavailableException"/>.</para>
/// </remarks>
public sealed class RedisIdempotencyStore : IIdempotencyStore
{
    // Records: "p\n<lease>\n<fingerprint>" while running, "c\n<lease>\n<fingerprint>\n<result bytes>" once completed.
    private const string BeginScript = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        local v = redis.call('GET', KEYS[1])
        if v then return v end
        return 0
        """;

    private const string CompleteScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then return 0 end
        local held = 'p\n' .. ARGV[1] .. '\n'
        if string.sub(v, 1, #held) ~= held then return 0 end
        redis.call('SET', KEYS[1], 'c\n' .. ARGV[1] .. '\n' .. string.sub(v, #held + 1) .. '\n' .. ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    private const string ReleaseScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then return 0 end
        local held = 'p\n' .. ARGV[1] .. '\n'
        if string.sub(v, 1, #held) ~= held then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    private readonly IConnectionMultiplexer _connection;
    private readonly string _prefix;
    private readonly int _database;

    /// <summary>Initializes a new instance of the <see cref="RedisIdempotencyStore"/> class.</summary>
    /// <param name="connection">The Redis connection; the store does not dispose it.</param>
    /// <param name="options">The store's options; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><see cref="RedisIdempotencyStoreOptions.KeyPrefix"/> is <see langword="null"/>.</exception>
    public RedisIdempotencyStore(IConnectionMultiplexer connection, RedisIdempotencyStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new RedisIdempotencyStoreOptions();
        if (options.KeyPrefix is null)
        {
            throw new ArgumentException("RedisIdempotencyStoreOptions.KeyPrefix must not be null; use an empty string for no prefix.", nameof(options));
        }

        _connection = connection;
        _prefix = options.KeyPrefix;
        _database = options.Database;
    }

    /// <inheritdoc />
    public async ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(fingerprint);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        if (fingerprint.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("The fingerprint must not contain line breaks.", nameof(fingerprint));
        }

        cancellationToken.ThrowIfCancellationRequested();
        string leaseId = Guid.NewGuid().ToString("N");
        RedisKey[] keys = [_prefix + key];
        RedisValue[] values = [string.Concat("p\n", leaseId, "\n", fingerprint), Milliseconds(lease)];
        while (true)
        {
            RedisResult result = await EvaluateAsync(BeginScript, keys, values).ConfigureAwait(false);
            if (result.Resp2Type == ResultType.Integer)
            {
                if ((long)result == 1)
                {
                    return IdempotencyBeginResult.Started(leaseId);
                }

                // The record expired between the claim and the read; claim again.
                continue;
            }

            return Parse((byte[])result!, fingerprint);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        RedisResult answer = await EvaluateAsync(CompleteScript, [_prefix + key], [leaseId, result, Milliseconds(timeToLive)]).ConfigureAwait(false);
        return (long)answer == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        cancellationToken.ThrowIfCancellationRequested();
        RedisResult answer = await EvaluateAsync(ReleaseScript, [_prefix + key], [leaseId]).ConfigureAwait(false);
        return (long)answer == 1;
    }

    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await _connection.GetDatabase(_database).ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            throw new IdempotencyStoreUnavailableException(
                $"The Redis idempotency store is unavailable ({ex.GetType().Name}); nothing was run.", ex);
        }
    }

    private static long Milliseconds(TimeSpan span) => Math.Max(1, (long)Math.Ceiling(span.TotalMilliseconds));

    private static IdempotencyBeginResult Parse(byte[] record, string fingerprint)
    {
        // state, '\n', lease, '\n', fingerprint [, '\n', result]
        ReadOnlySpan<byte> span = record;
        int leaseEnd = span.Length > 2 ? span[2..].IndexOf((byte)'\n') : -1;
        if (leaseEnd < 0 || span[1] != (byte)'\n' || (span[0] != (byte)'p' && span[0] != (byte)'c'))
        {
            throw new InvalidOperationException("The Redis idempotency store holds a record it did not write; check RedisIdempotencyStoreOptions.KeyPrefix for clashes with other data.");
        }

        ReadOnlySpan<byte> rest = span[(leaseEnd + 3)..];
        bool completed = span[0] == (byte)'c';
        int fingerprintEnd = completed ? rest.IndexOf((byte)'\n') : rest.Length;
        if (fingerprintEnd < 0)
        {
            throw new InvalidOperationException("The Redis idempotency store holds a completed record without a result.");
        }

        if (!Matches(rest[..fingerprintEnd], fingerprint))
        {
            return IdempotencyBeginResult.Conflict;
        }

        int resultStart = leaseEnd + 3 + fingerprintEnd + 1;
        return completed ? IdempotencyBeginResult.Completed(record.AsMemory(resultStart)) : IdempotencyBeginResult.InProgress;
    }

    private static bool Matches(ReadOnlySpan<byte> stored, string fingerprint)
    {
        if (stored.Length != System.Text.Encoding.UTF8.GetByteCount(fingerprint))
        {
            return false;
        }

        Span<byte> expected = stored.Length <= 256 ? stackalloc byte[stored.Length] : new byte[stored.Length];
        System.Text.Encoding.UTF8.GetBytes(fingerprint, expected);
        return stored.SequenceEqual(expected);
    }
}
