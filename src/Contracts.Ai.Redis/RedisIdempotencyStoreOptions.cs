namespace Contracts.Ai.Redis;

/// <summary>Options for <see cref="RedisIdempotencyStore"/>.</summary>
public sealed class RedisIdempotencyStoreOptions
{
    /// <summary>Gets or sets the prefix of every Redis key the store writes, so several apps can share one Redis.</summary>
    /// <value>Defaults to <c>contracts-ai:idempotency:</c>.</value>
    public string KeyPrefix { get; set; } = "contracts-ai:idempotency:";

    /// <summary>Gets or sets the Redis database number.</summary>
    /// <value>Defaults to -1: the connection's default database.</value>
    public int Database { get; set; } = -1;
}
