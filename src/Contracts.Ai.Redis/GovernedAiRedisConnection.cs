using System;
using StackExchange.Redis;

namespace Contracts.Ai.Redis;

/// <summary>The Redis connection <c>UseRedis()</c> registered for the governed pipeline's stores; disposes it only when <c>UseRedis()</c> made it.</summary>
internal sealed class GovernedAiRedisConnection(IConnectionMultiplexer multiplexer, bool owned) : IDisposable
{
    public IConnectionMultiplexer Multiplexer { get; } = multiplexer;

    public void Dispose()
    {
        if (owned)
        {
            Multiplexer.Dispose();
        }
    }
}
