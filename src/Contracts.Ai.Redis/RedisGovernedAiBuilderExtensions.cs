using System;
using Contracts.Ai;
using Contracts.Ai.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Moves the governed pipeline's shared state to Redis.</summary>
public static class RedisGovernedAiBuilderExtensions
{
    /// <summary>Stores idempotency records (and shared rollout state, label positions and session memory) in Redis, connecting with <paramref name="connectionString"/>.</summary>
    /// <param name="builder">The governed-AI builder.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string, such as <c>localhost:6379</c>.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// The connection is made when first needed and is owned (and disposed) by the service provider.
    /// The app starts even when Redis is down (<c>abortConnect=false</c>); calls then follow
    /// <see cref="IdempotencyOptions.OnStoreUnavailable"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null, empty or white space.</exception>
    public static IGovernedAiBuilder UseRedis(this IGovernedAiBuilder builder, string connectionString) =>
        builder.UseRedis(connectionString, configure: null);

    /// <summary>Stores idempotency records (and shared rollout state, label positions and session memory) in Redis, connecting with <paramref name="connectionString"/>.</summary>
    /// <param name="builder">The governed-AI builder.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string, such as <c>localhost:6379</c>.</param>
    /// <param name="configure">Configures the idempotency store (key prefix, database); <see langword="null"/> for defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null, empty or white space.</exception>
    public static IGovernedAiBuilder UseRedis(this IGovernedAiBuilder builder, string connectionString, Action<RedisIdempotencyStoreOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ConfigurationOptions configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        builder.Services.RemoveAll<GovernedAiRedisConnection>();
        builder.Services.AddSingleton(_ => new GovernedAiRedisConnection(ConnectionMultiplexer.Connect(configuration), owned: true));
        return AddStore(builder, configure);
    }

    /// <summary>Stores idempotency records (and shared rollout state, label positions and session memory) in Redis over the app's own connection.</summary>
    /// <param name="builder">The governed-AI builder.</param>
    /// <param name="connection">The connection; the app keeps owning (and disposes) it.</param>
    /// <param name="configure">Configures the idempotency store (key prefix, database); <see langword="null"/> for defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connection"/> is <see langword="null"/>.</exception>
    public static IGovernedAiBuilder UseRedis(this IGovernedAiBuilder builder, IConnectionMultiplexer connection, Action<RedisIdempotencyStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connection);
        builder.Services.RemoveAll<GovernedAiRedisConnection>();
        builder.Services.AddSingleton(new GovernedAiRedisConnection(connection, owned: false));
        return AddStore(builder, configure);
    }

    private static IGovernedAiBuilder AddStore(IGovernedAiBuilder builder, Action<RedisIdempotencyStoreOptions>? configure)
    {
        var options = new RedisIdempotencyStoreOptions();
        configure?.Invoke(options);
        if (options.KeyPrefix is null)
        {
            throw new ArgumentException("RedisIdempotencyStoreOptions.KeyPrefix must not be null; use an empty string for no prefix.", nameof(configure));
        }

        if (options.FleetStateKeyPrefix is null)
        {
            throw new ArgumentException("RedisIdempotencyStoreOptions.FleetStateKeyPrefix must not be null; use an empty string for no prefix.", nameof(configure));
        }

        builder.Services.RemoveAll<IIdempotencyStore>();
        builder.Services.AddSingleton<IIdempotencyStore>(sp => new RedisIdempotencyStore(sp.GetRequiredService<GovernedAiRedisConnection>().Multiplexer, options));

        // Rollback decisions of rollouts and label positions are shared by the fleet through the same connection and database.
        builder.Services.RemoveAll<IRolloutStateStore>();
        builder.Services.AddSingleton<IRolloutStateStore>(sp => new RedisRolloutStateStore(sp.GetRequiredService<GovernedAiRedisConnection>().Multiplexer, options.FleetStateKeyPrefix, options.Database));
        builder.Services.RemoveAll<IPromptLabelStore>();
        builder.Services.AddSingleton<IPromptLabelStore>(sp => new RedisPromptLabelStore(sp.GetRequiredService<GovernedAiRedisConnection>().Multiplexer, options.FleetStateKeyPrefix, options.Database));
        builder.Services.RemoveAll<ISessionStore>();
        builder.Services.AddSingleton<ISessionStore>(sp => new RedisSessionStore(sp.GetRequiredService<GovernedAiRedisConnection>().Multiplexer, options.FleetStateKeyPrefix + "session:", options.Database));
        return builder;
    }
}
