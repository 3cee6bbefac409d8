using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Contracts.Ai.Redis.Tests;

public class RedisBuilderTests : IClassFixture<RedisServer>
{
    private readonly RedisServer _server;

    public RedisBuilderTests(RedisServer server)
    {
        _server = server;
    }

    [Fact]
    public void UseRedis_rejects_an_empty_connection_string()
    {
        IGovernedAiBuilder builder = new ServiceCollection().AddGovernedAi();

        Assert.Throws<ArgumentException>(() => builder.UseRedis(" "));
        Assert.Throws<ArgumentNullException>(() => builder.UseRedis((IConnectionMultiplexer)null!));
        Assert.Throws<ArgumentNullException>(() => ((IGovernedAiBuilder)null!).UseRedis("localhost"));
    }

    [Fact]
    public async Task UseRedis_with_a_connection_string_replaces_the_in_memory_store_and_shares_records_between_instances()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("once"), ScriptedTurn.Reply("twice!"));
        string prefix = $"app:{Guid.NewGuid():N}:";
        ServiceProvider Instance()
        {
            var services = new ServiceCollection();
            services.AddChatClient(model);
            services.AddGovernedAi().UseRedis(_server.ConnectionString, o => o.KeyPrefix = prefix);
            return services.BuildServiceProvider();
        }

        using ServiceProvider first = Instance();
        using ServiceProvider second = Instance();
        Assert.IsType<RedisIdempotencyStore>(first.GetRequiredService<IIdempotencyStore>());

        await first.GetRequiredService<IChatClient>().GetResponseAsync("hi", new ChatOptions().WithIdempotencyKey("k"));
        ChatResponse replayed = await second.GetRequiredService<IChatClient>().GetResponseAsync("hi", new ChatOptions().WithIdempotencyKey("k"));

        Assert.Equal("once", replayed.Text);
        Assert.Equal(1, model.CallCount);
    }

    [Fact]
    public async Task UseRedis_with_the_apps_connection_uses_it_and_leaves_it_open()
    {
        using ConnectionMultiplexer connection = _server.Connect();
        string prefix = $"app:{Guid.NewGuid():N}:";
        var services = new ServiceCollection();
        services.AddGovernedAi().UseRedis(connection, o => o.KeyPrefix = prefix);

        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            IIdempotencyStore store = provider.GetRequiredService<IIdempotencyStore>();
            Assert.IsType<RedisIdempotencyStore>(store);
            await store.TryBeginAsync("k", "fp", TimeSpan.FromSeconds(30));
        }

        Assert.True(connection.IsConnected);
        Assert.True(await connection.GetDatabase().KeyExistsAsync(prefix + "k"));
    }
}
