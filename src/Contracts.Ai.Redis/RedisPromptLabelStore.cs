using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Ai;
using StackExchange.Redis;

namespace Contracts.Ai.Redis;

/// <summary>
/// An <see cref="IPromptLabelStore"/> in Redis: a label moved on one app instance reaches every instance
/// at its next refresh (<c>GovernedAi:Routing:StateRefreshInterval</c>).
/// </summary>
/// <remarks>
/// One Redis hash per contract (<c>{prefix}labels:{contractId}</c>), one field per label holding the version.
/// The registry reads it in the background only, never during a call. Thread-safe. Connection failures and
/// timeouts surface as StackExchange.Redis exceptions, which the registry logs while keeping its last known positions.
/// </remarks>
public sealed class RedisPromptLabelStore : IPromptLabelStore
{
    private readonly IConnectionMultiplexer _connection;
    private readonly string _prefix;
    private readonly int _database;

    /// <summary>Initializes a new instance of the <see cref="RedisPromptLabelStore"/> class.</summary>
    /// <param name="connection">The Redis connection; the store does not dispose it.</param>
    /// <param name="keyPrefix">The prefix of every key this store writes.</param>
    /// <param name="database">The Redis database number; -1 for the connection's default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> or <paramref name="keyPrefix"/> is <see langword="null"/>.</exception>
    public RedisPromptLabelStore(IConnectionMultiplexer connection, string keyPrefix = "contracts-ai:", int database = -1)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _connection = connection;
        _prefix = keyPrefix;
        _database = database;
    }

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the write was sent.</exception>
    /// <exception cref="RedisException">Redis could not be reached or answered with an error.</exception>
    public async ValueTask SetLabelAsync(string contractId, string label, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        cancellationToken.ThrowIfCancellationRequested();
        await _connection.GetDatabase(_database).HashSetAsync(Key(contractId), label, version).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the read was sent.</exception>
    /// <exception cref="RedisException">Redis could not be reached or answered with an error.</exception>
    public async ValueTask<IReadOnlyDictionary<string, string>> GetLabelsAsync(string contractId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        cancellationToken.ThrowIfCancellationRequested();
        HashEntry[] entries = await _connection.GetDatabase(_database).HashGetAllAsync(Key(contractId)).ConfigureAwait(false);
        var result = new Dictionary<string, string>(entries.Length, StringComparer.Ordinal);
        foreach (HashEntry entry in entries)
        {
            result[entry.Name.ToString()] = entry.Value.ToString();
        }

        return result;
    }

    private RedisKey Key(string contractId) => string.Concat(_prefix, "labels:", contractId);
}
