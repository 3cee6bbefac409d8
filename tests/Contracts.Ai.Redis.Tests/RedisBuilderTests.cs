using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Redis.Tests;

public class RedisBuilderTests
{
    [Fact]
    public void UseRedis_rejects_an_empty_connection_string()
    {
        IGovernedAiBuilder builder = new ServiceCollection().AddGovernedAi();

        Assert.Throws<ArgumentException>(() => builder.UseRedis(" "));
    }
}
