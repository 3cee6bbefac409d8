using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.Idempotency;

public class IdempotencyServiceRegistrationTests
{
    [Fact]
    public void AddGovernedAi_registers_one_shared_bounded_in_memory_store_and_keeps_an_app_store()
    {
        using ServiceProvider provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["GovernedAi:Idempotency:InMemoryCapacity"] = "5",
            }).Build())
            .AddGovernedAi().Services.BuildServiceProvider();

        var store = Assert.IsType<InMemoryIdempotencyStore>(provider.GetRequiredService<IIdempotencyStore>());
        Assert.Same(store, provider.GetRequiredService<IIdempotencyStore>());
        Assert.Equal(5, store.Capacity);
        Assert.Same(store, provider.GetRequiredService<IdempotencyCoordinator>().Store);

        var own = new InMemoryIdempotencyStore(3);
        using ServiceProvider withOwn = new ServiceCollection().AddSingleton<IIdempotencyStore>(own).AddGovernedAi().Services.BuildServiceProvider();
        Assert.Same(own, withOwn.GetRequiredService<IIdempotencyStore>());
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        using ServiceProvider provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["GovernedAi:Idempotency:LeaseDuration"] = "00:02:00",
                ["GovernedAi:Idempotency:CompletedTimeToLive"] = "1.00:00:00",
                ["GovernedAi:Idempotency:InProgressWait"] = "00:00:03",
                ["GovernedAi:Idempotency:PollInterval"] = "00:00:00.250",
                ["GovernedAi:Idempotency:OnStoreUnavailable"] = "FailOpen",
            }).Build())
            .AddGovernedAi().Services.BuildServiceProvider();

        IdempotencyOptions options = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Idempotency;

        Assert.Equal(TimeSpan.FromMinutes(2), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromDays(1), options.CompletedTimeToLive);
        Assert.Equal(TimeSpan.FromSeconds(3), options.InProgressWait);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.PollInterval);
        Assert.Equal(IdempotencyFailureMode.FailOpen, options.OnStoreUnavailable);
    }

    [Fact]
    public void Every_invalid_option_is_reported_with_its_path()
    {
        using ServiceProvider provider = new ServiceCollection().AddGovernedAi(o =>
        {
            o.Idempotency.LeaseDuration = TimeSpan.Zero;
            o.Idempotency.CompletedTimeToLive = TimeSpan.FromSeconds(-1);
            o.Idempotency.InProgressWait = TimeSpan.FromSeconds(-1);
            o.Idempotency.PollInterval = TimeSpan.Zero;
            o.Idempotency.OnStoreUnavailable = (IdempotencyFailureMode)7;
            o.Idempotency.InMemoryCapacity = 0;
        }).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value);

        foreach (string name in new[] { "LeaseDuration", "CompletedTimeToLive", "InProgressWait", "PollInterval", "OnStoreUnavailable", "InMemoryCapacity" })
        {
            Assert.Contains($"GovernedAi:Idempotency:{name}", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_request_stage_uses_the_registered_store()
    {
        var store = new InMemoryIdempotencyStore(10);
        var model = new ScriptedChatClient(ScriptedTurn.Reply("ok"));
        using ServiceProvider provider = new ServiceCollection().AddSingleton<IIdempotencyStore>(store).BuildServiceProvider();
        using IChatClient client = new ChatClientBuilder(model).UseRequestIdempotency().Build(provider);

        await client.GetResponseAsync("hi", new ChatOptions().WithIdempotencyKey("k"));
        await client.GetResponseAsync("hi", new ChatOptions().WithIdempotencyKey("k"));

        Assert.Equal(1, store.Count);
        Assert.Equal(1, model.CallCount);
    }
}
