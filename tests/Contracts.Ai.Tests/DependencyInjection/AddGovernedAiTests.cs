using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.DependencyInjection;

public class AddGovernedAiTests
{
    [Fact]
    public async Task Wraps_a_singleton_registration_and_keeps_it_a_singleton()
    {
        var inner = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(inner);

        services.AddGovernedAi();
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient first = provider.GetRequiredService<IChatClient>();
        IChatClient second = provider.GetRequiredService<IChatClient>();

        Assert.NotSame(inner, first);
        Assert.Same(first, second);
        AssertGoverned(first);
        Assert.Same(inner, first.GetService<ScriptedChatClient>());
        Assert.Equal("ok", (await first.GetResponseAsync("hi")).Text);
    }

    [Fact]
    public void Wraps_a_scoped_registration_and_keeps_it_scoped()
    {
        int created = 0;
        var services = new ServiceCollection();
        services.AddScoped<IChatClient>(_ =>
        {
            Interlocked.Increment(ref created);
            return new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        });

        services.AddGovernedAi();
        using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        IChatClient a1, a2, b1;
        using (IServiceScope a = provider.CreateScope())
        {
            a1 = a.ServiceProvider.GetRequiredService<IChatClient>();
            a2 = a.ServiceProvider.GetRequiredService<IChatClient>();
        }

        using (IServiceScope b = provider.CreateScope())
        {
            b1 = b.ServiceProvider.GetRequiredService<IChatClient>();
        }

        Assert.Same(a1, a2);
        Assert.NotSame(a1, b1);
        Assert.Equal(2, created);
        AssertGoverned(a1);
        AssertGoverned(b1);
        Assert.Equal(ServiceLifetime.Scoped, Assert.Single(services, d => d.ServiceType == typeof(IChatClient)).Lifetime);
    }

    [Theory]
    [InlineData(ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient)]
    public async Task Wraps_keyed_registrations_and_keeps_key_and_lifetime(ServiceLifetime lifetime)
    {
        IServiceCollection services = new ServiceCollection();
        services.Add(new ServiceDescriptor(typeof(IChatClient), "fast", (Func<IServiceProvider, object?, object>)((_, key) => new ScriptedChatClient(_ => ScriptedTurn.Reply($"from {key}"))), lifetime));
        services.AddKeyedSingleton<IChatClient>("smart", new ScriptedChatClient(_ => ScriptedTurn.Reply("smart")));

        services.AddGovernedAi();
        using ServiceProvider provider = services.BuildServiceProvider();
        using IServiceScope scope = provider.CreateScope();
        IChatClient fast = scope.ServiceProvider.GetRequiredKeyedService<IChatClient>("fast");
        IChatClient smart = scope.ServiceProvider.GetRequiredKeyedService<IChatClient>("smart");

        AssertGoverned(fast);
        AssertGoverned(smart);
        Assert.Equal(lifetime, services.Single(d => d.IsKeyedService && Equals(d.ServiceKey, "fast")).Lifetime);
        Assert.Equal("from fast", (await fast.GetResponseAsync("hi")).Text);
    }

    [Fact]
    public void Wraps_a_registration_by_implementation_type()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient, EchoChatClient>();

        services.AddGovernedAi();
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();

        AssertGoverned(client);
        Assert.NotNull(client.GetService<EchoChatClient>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calling_twice_wraps_once_and_applies_both_configurations(bool streaming)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(new ScriptedChatClient(_ => ScriptedTurn.Reply("ok")));

        services.AddGovernedAi(o => o.TokenBudget.ReservedOutputTokens = 1000);
        services.AddGovernedAi(o => o.TokenBudget.SafetyMarginTokens = 10);
        using ServiceProvider provider = services.BuildServiceProvider();
        using var spans = new SpanCollector();
        await provider.GetRequiredService<IChatClient>().AskAsync("hi", null, streaming);

        Assert.Single(spans.Named("contracts_ai.request"));
        Assert.Single(services, d => d.ServiceType == typeof(IChatClient));
        GovernedAiOptions options = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value;
        Assert.Equal(1000, options.TokenBudget.ReservedOutputTokens);
        Assert.Equal(10, options.TokenBudget.SafetyMarginTokens);
    }

    [Fact]
    public void Options_bind_from_the_GovernedAi_configuration_section()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GovernedAi:EnableSensitiveData"] = "true",
            ["GovernedAi:TokenBudget:ContextWindowTokens"] = "32000",
            ["GovernedAi:TokenBudget:ReservedOutputTokens"] = "2000",
            ["GovernedAi:TokenBudget:OnOverflow"] = "Throw",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton<IChatClient>(new ScriptedChatClient());

        services.AddGovernedAi(o => o.TokenBudget.SafetyMarginTokens = 64);
        using ServiceProvider provider = services.BuildServiceProvider();
        GovernedAiOptions options = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value;

        Assert.True(options.EnableSensitiveData);
        Assert.Equal(32000, options.TokenBudget.ContextWindowTokens);
        Assert.Equal(2000, options.TokenBudget.ReservedOutputTokens);
        Assert.Equal(BudgetOverflowPolicy.Throw, options.TokenBudget.OnOverflow);
        Assert.Equal(64, options.TokenBudget.SafetyMarginTokens);
    }

    [Fact]
    public async Task Invalid_options_fail_at_start_naming_the_option()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GovernedAi:TokenBudget:SafetyMarginTokens"] = "-5",
            ["GovernedAi:TokenBudget:ContextWindowTokens"] = "0",
        });
        builder.Services.AddSingleton<IChatClient>(new ScriptedChatClient());
        builder.Services.AddGovernedAi();
        using IHost host = builder.Build();

        OptionsValidationException ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.Contains("GovernedAi:TokenBudget:SafetyMarginTokens", StringComparison.Ordinal) && f.Contains("-5", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("GovernedAi:TokenBudget:ContextWindowTokens", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_registered_client_resolving_says_what_to_register()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi();
        using ServiceProvider provider = services.BuildServiceProvider();

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());

        Assert.Contains("no IChatClient", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddGovernedAi(sp => innerClient)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_overload_registers_a_governed_client()
    {
        var inner = new ScriptedChatClient(_ => ScriptedTurn.Reply("from factory"));
        var services = new ServiceCollection();
        services.AddGovernedAi();
        services.AddGovernedAi(_ => inner);
        using ServiceProvider provider = services.BuildServiceProvider();

        IChatClient client = provider.GetRequiredService<IChatClient>();

        AssertGoverned(client);
        Assert.Equal("from factory", (await client.GetResponseAsync("hi")).Text);
    }

    [Fact]
    public void Null_arguments_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => GovernedAiServiceCollectionExtensions.AddGovernedAi(null!));
        Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddGovernedAi((Func<IServiceProvider, IChatClient>)null!));
    }

    private static void AssertGoverned(IChatClient client)
    {
        Assert.NotNull(client.GetService<GovernedRequestChatClient>());
        Assert.NotNull(client.GetService<RequestIdempotencyChatClient>());
        Assert.NotNull(client.GetService<PromptRoutingChatClient>());
        Assert.NotNull(client.GetService<ContractEnforcingChatClient>());
        Assert.NotNull(client.GetService<DataProtectionChatClient>());
        Assert.NotNull(client.GetService<ToolGovernanceChatClient>());
        Assert.NotNull(client.GetService<TokenBudgetingChatClient>());
    }

    private sealed class EchoChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, messages.Last().Text)));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}
