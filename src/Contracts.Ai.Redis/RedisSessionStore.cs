using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using StackExchange.Redis;

namespace Contracts.Ai.Redis;

/// <summary>
/// An <see cref="ISessionStore"/> in Redis, shared by every app instance connected to it: a session continued on one
/// instance is continued on the next request wherever it lands.
/// </summary>
/// <remarks>
/// <para>
/// A session is one Redis list, one JSON turn per element (<c>{prefix}{tenant|user}:s:{session}</c>); each user has an
/// index set of their session keys (<c>{prefix}{tenant|user}:i</c>), so <see cref="ForgetUserAsync"/> finds every one. Both
/// keys share a hash tag, so they live in one slot of a Redis Cluster. A request costs two round trips: <c>LRANGE</c> to
/// load, and one script that appends (<c>RPUSH</c>, so concurrent appends all land), trims to the turn cap, renews the
/// idle expiry and indexes the session. Erasing a session or a user is one script each.
/// </para>
/// <para>Thread-safe. Connection failures and timeouts surface as <see cref="SessionStoreUnavailableException"/>.</para>
/// </remarks>
public sealed class RedisSessionStore : ISessionStore
{
    private const string AppendScript = """
        redis.call('RPUSH', KEYS[1], ARGV[1])
        redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        if ARGV[4] ~= '' then
          redis.call('SADD', KEYS[2], ARGV[4])
          if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
        end
        return 1
        """;

    private const string ForgetSessionScript = """
        redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        return 1
        """;

    // The index holds keys of the same hash tag, so they are in the script's slot even on a cluster.
    private const string ForgetUserScript = """
        local sessions = redis.call('SMEMBERS', KEYS[1])
        for i = 1, #sessions do redis.call('DEL', sessions[i]) end
        redis.call('DEL', KEYS[1])
        return #sessions
        """;

    private static readonly JsonTypeInfo<ChatMessage> MessageTypeInfo = (JsonTypeInfo<ChatMessage>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage));

    private readonly IConnectionMultiplexer _connection;
    private readonly string _prefix;
    private readonly int _database;

    /// <summary>Initializes a new instance of the <see cref="RedisSessionStore"/> class.</summary>
    /// <param name="connection">The Redis connection; the store does not dispose it.</param>
    /// <param name="keyPrefix">The prefix of every key the store writes; <c>UseRedis(...)</c> passes <see cref="RedisIdempotencyStoreOptions.FleetStateKeyPrefix"/> + <c>session:</c>.</param>
    /// <param name="database">The Redis database number; -1 for the connection's default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> or <paramref name="keyPrefix"/> is <see langword="null"/>.</exception>
    public RedisSessionStore(IConnectionMultiplexer connection, string keyPrefix = "contracts-ai:session:", int database = -1)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _connection = connection;
        _prefix = keyPrefix;
        _database = database;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The session's key holds data this store did not write.</exception>
    public async ValueTask<IReadOnlyList<SessionTurn>> LoadAsync(SessionKey key, CancellationToken cancellationToken = default)
    {
        key.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        RedisValue[] values = await RunAsync(db => db.ListRangeAsync(SessionKeyOf(key))).ConfigureAwait(false);
        if (values.Length == 0)
        {
            return Array.Empty<SessionTurn>();
        }

        var turns = new SessionTurn[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            turns[i] = Read((byte[])values[i]!);
        }

        return turns;
    }

    /// <inheritdoc />
    public async ValueTask AppendAsync(SessionKey key, SessionTurn turn, int maxTurns, TimeSpan idleTimeout, CancellationToken cancellationToken = default)
    {
        key.Validate();
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTurns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleTimeout, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        string session = SessionKeyOf(key);
        RedisKey[] keys = [session, IndexKeyOf(key)];
        RedisValue[] values = [Write(turn), maxTurns, Math.Max(1, (long)Math.Ceiling(idleTimeout.TotalMilliseconds)), key.UserId is null ? string.Empty : session];
        await RunAsync(db => db.ScriptEvaluateAsync(AppendScript, keys, values)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChatMessage>> GetHistoryAsync(string? tenantId, string? userId, string sessionId, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SessionTurn> turns = await LoadAsync(new SessionKey(tenantId, userId, sessionId), cancellationToken).ConfigureAwait(false);
        var messages = new List<ChatMessage>();
        foreach (SessionTurn turn in turns)
        {
            messages.AddRange(turn.Messages);
        }

        return messages;
    }

    /// <inheritdoc />
    public async Task ForgetSessionAsync(string? tenantId, string? userId, string sessionId, CancellationToken cancellationToken = default)
    {
        var key = new SessionKey(tenantId, userId, sessionId);
        key.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        string session = SessionKeyOf(key);
        await RunAsync(db => db.ScriptEvaluateAsync(ForgetSessionScript, [session, IndexKeyOf(key)], [session])).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ForgetUserAsync(string? tenantId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        if (tenantId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        }

        cancellationToken.ThrowIfCancellationRequested();
        RedisKey index = IndexKeyOf(new SessionKey(tenantId, userId, "-"));
        await RunAsync(db => db.ScriptEvaluateAsync(ForgetUserScript, [index])).ConfigureAwait(false);
    }

    private async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> operation)
    {
        try
        {
            return await operation(_connection.GetDatabase(_database)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            throw new SessionStoreUnavailableException($"The Redis session store is unavailable ({ex.GetType().Name}).", ex);
        }
    }

    private string SessionKeyOf(SessionKey key) => string.Concat(ScopeOf(key), ":s:", Escape(key.SessionId));

    private string IndexKeyOf(SessionKey key) => string.Concat(ScopeOf(key), ":i");

    // "{tenant|user}": a hash tag, so a user's sessions and index share a cluster slot. Absent parts are empty (ids are never empty).
    private string ScopeOf(SessionKey key) => string.Concat(_prefix, "{", Escape(key.TenantId), "|", Escape(key.UserId), "}");

    private static string Escape(string? part)
    {
        if (part is null)
        {
            return string.Empty;
        }

        if (part.AsSpan().IndexOfAny("%{}|:") < 0)
        {
            return part;
        }

        var builder = new StringBuilder(part.Length + 8);
        foreach (char c in part)
        {
            switch (c)
            {
                case '%': builder.Append("%25"); break;
                case '{': builder.Append("%7B"); break;
                case '}': builder.Append("%7D"); break;
                case '|': builder.Append("%7C"); break;
                case ':': builder.Append("%3A"); break;
                default: builder.Append(c); break;
            }
        }

        return builder.ToString();
    }

    // One turn: {"t":tokens,"e":"encoding","m":[messages]}.
    private static byte[] Write(SessionTurn turn)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("t", turn.TokenCount);
            json.WriteString("e", turn.Encoding);
            json.WriteStartArray("m");
            foreach (ChatMessage message in turn.Messages)
            {
                JsonSerializer.Serialize(json, message, MessageTypeInfo);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static SessionTurn Read(byte[] value)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(value);
            JsonElement root = document.RootElement;
            int tokens = root.GetProperty("t").GetInt32();
            string encoding = root.GetProperty("e").GetString() ?? string.Empty;
            JsonElement array = root.GetProperty("m");
            var messages = new ChatMessage[array.GetArrayLength()];
            int i = 0;
            foreach (JsonElement element in array.EnumerateArray())
            {
                messages[i++] = element.Deserialize(MessageTypeInfo) ?? throw new JsonException("A stored message is null.");
            }

            return new SessionTurn(messages, tokens, encoding);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidOperationException(
                "The Redis session store holds a turn it did not write; check the key prefix (RedisIdempotencyStoreOptions.FleetStateKeyPrefix) for clashes with other data.", ex);
        }
    }
}
