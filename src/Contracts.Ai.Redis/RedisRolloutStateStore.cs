using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Ai;
using StackExchange.Redis;

namespace Contracts.Ai.Redis;

/// <summary>
/// An <see cref="IRolloutStateStore"/> in Redis: a rollback decided on one app instance reaches every
/// instance at its next state refresh (<c>GovernedAi:Routing:StateRefreshInterval</c>).
/// </summary>
/// <remarks>One Redis hash per rollout (<c>{prefix}rollout:{contractId}:{label}</c>), one field per rolled-back version. Thread-safe.</remarks>
public sealed class RedisRolloutStateStore : IRolloutStateStore
{
    private readonly IConnectionMultiplexer _connection;
    private readonly string _prefix;
    private readonly int _database;

    /// <summary>Initializes a new instance of the <see cref="RedisRolloutStateStore"/> class.</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="keyPrefix">The prefix of every key this store writes.</param>
    /// <param name="database">The Redis database number; -1 for the connection's default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is <see langword="null"/>.</exception>
    public RedisRolloutStateStore(IConnectionMultiplexer connection, string keyPrefix = "contracts-ai:", int database = -1)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _connection = connection;
        _prefix = keyPrefix;
        _database = database;
    }

    /// <inheritdoc />
    public async ValueTask MarkRolledBackAsync(string contractId, string label, string version, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        cancellationToken.ThrowIfCancellationRequested();
        await _connection.GetDatabase(_database).HashSetAsync(Key(contractId, label), version, reason ?? string.Empty).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, string>> GetRolledBackAsync(string contractId, string label, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        HashEntry[] entries = await _connection.GetDatabase(_database).HashGetAllAsync(Key(contractId, label)).ConfigureAwait(false);
        var result = new Dictionary<string, string>(entries.Length, StringComparer.Ordinal);
        foreach (HashEntry entry in entries)
        {
            result[entry.Name.ToString()] = entry.Value.ToString();
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask ClearRollbackAsync(string contractId, string label, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        cancellationToken.ThrowIfCancellationRequested();
        await _connection.GetDatabase(_database).HashDeleteAsync(Key(contractId, label), version).ConfigureAwait(false);
    }

    private RedisKey Key(string contractId, string label)
    {
        ArgumentNullException.ThrowIfNull(contractId);
        ArgumentNullException.ThrowIfNull(label);
        return string.Concat(_prefix, "rollout:", contractId, ":", label);
    }
}
