using System;
using System.Collections.Generic;
using System.Text.Json;
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
/// One Redis hash per contract (<c>{prefix}labels:{contractId}</c>), one field per label holding the version;
/// the change history in a list beside it (<c>{prefix}changes:{contractId}</c>).
/// The registry reads it in the background only, never during a call. Thread-safe. Connection failures and
/// timeouts surface as StackExchange.Redis exceptions, which the registry logs while keeping its last known positions.
/// </remarks>
public sealed class RedisPromptLabelStore : IPromptLabelStore
{
    private const int MaxChanges = 1000;

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

    /// <inheritdoc />
    /// <remarks>One Redis list per contract (<c>{prefix}changes:{contractId}</c>), newest first, trimmed to the latest 1000 changes.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="change"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the write was sent.</exception>
    /// <exception cref="RedisException">Redis could not be reached or answered with an error.</exception>
    public async ValueTask AppendChangeAsync(PromptChangeEvent change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        cancellationToken.ThrowIfCancellationRequested();
        string json = JsonSerializer.Serialize(change, AuditJsonContext.Default.PromptChangeEvent);
        IDatabase database = _connection.GetDatabase(_database);
        ITransaction transaction = database.CreateTransaction();
        _ = transaction.ListLeftPushAsync(ChangesKey(change.ContractId), json);
        _ = transaction.ListTrimAsync(ChangesKey(change.ContractId), 0, MaxChanges - 1);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>An entry that does not parse (written by hand or by another tool) is skipped.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is not positive.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the read was sent.</exception>
    /// <exception cref="RedisException">Redis could not be reached or answered with an error.</exception>
    public async ValueTask<IReadOnlyList<PromptChangeEvent>> GetChangesAsync(string contractId, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        cancellationToken.ThrowIfCancellationRequested();
        RedisValue[] entries = await _connection.GetDatabase(_database).ListRangeAsync(ChangesKey(contractId), 0, maxCount - 1).ConfigureAwait(false);
        var changes = new List<PromptChangeEvent>(entries.Length);
        foreach (RedisValue entry in entries)
        {
            try
            {
                if (JsonSerializer.Deserialize(entry.ToString(), AuditJsonContext.Default.PromptChangeEvent) is { } change)
                {
                    changes.Add(change);
                }
            }
            catch (JsonException)
            {
            }
        }

        return changes;
    }

    private RedisKey Key(string contractId) => string.Concat(_prefix, "labels:", contractId);

    private RedisKey ChangesKey(string contractId) => string.Concat(_prefix, "changes:", contractId);
}
