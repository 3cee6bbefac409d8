namespace Contracts.Ai.Redis;

/// <summary>Options for <see cref="RedisIdempotencyStore"/>, and for the fleet state <c>UseRedis(...)</c> keeps next to it.</summary>
public sealed class RedisIdempotencyStoreOptions
{
    /// <summary>Gets or sets the prefix of every Redis key the store writes, so several apps can share one Redis.</summary>
    /// <value>Defaults to <c>contracts-ai:idempotency:</c>.</value>
    public string KeyPrefix { get; set; } = "contracts-ai:idempotency:";

    /// <summary>
    /// Gets or sets the prefix of the keys that hold rollback decisions (<see cref="RedisRolloutStateStore"/>) and
    /// label positions (<see cref="RedisPromptLabelStore"/>) when <c>UseRedis(...)</c> registers them.
    /// </summary>
    /// <value>Defaults to <c>contracts-ai:</c>.</value>
    /// <remarks>
    /// Every instance of one app must use the same prefix, so they share their state. Give each app its own
    /// when several apps share one Redis and have contracts with the same ids: otherwise a label moved in one
    /// app moves in the other.
    /// </remarks>
    public string FleetStateKeyPrefix { get; set; } = "contracts-ai:";

    /// <summary>Gets or sets the Redis database number, for the idempotency records and the fleet state alike.</summary>
    /// <value>Defaults to -1: the connection's default database.</value>
    public int Database { get; set; } = -1;
}
