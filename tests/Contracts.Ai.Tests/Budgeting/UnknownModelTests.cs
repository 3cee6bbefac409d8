using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Contracts.Ai.Tests.Budgeting;

public class UnknownModelTests
{
    public static TheoryData<bool> Streaming => new() { false, true };

    private static (IChatClient Client, ScriptedChatClient Model, ServiceProvider Services) Build(Action<TokenBudgetOptions>? configure = null)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        var services = new ServiceCollection();
        services.AddFakeLogging();
        ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = new ChatClientBuilder(model).UseTokenBudget(configure).Build(provider);
        return (client, model, provider);
    }

    private static async Task SendAsync(IChatClient client, bool streaming, string modelId)
    {
        List<ChatMessage> messages = [new(ChatRole.User, "hello")];
        var options = new ChatOptions { ModelId = modelId };
        if (streaming)
        {
            await foreach (ChatResponseUpdate _ in client.GetStreamingResponseAsync(messages, options))
            {
            }
        }
        else
        {
            await client.GetResponseAsync(messages, options);
        }
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_model_without_a_known_window_is_sent_unbudgeted_with_one_warning_per_model(bool streaming)
    {
        (IChatClient client, ScriptedChatClient model, ServiceProvider services) = Build();
        using ServiceProvider owned = services;

        await SendAsync(client, streaming, "llama-3.1-8b");
        await SendAsync(client, streaming, "llama-3.1-8b");
        await SendAsync(client, streaming, "mistral-large");
        await SendAsync(client, streaming, "gpt-4o");

        Assert.Equal(4, model.CallCount);
        List<FakeLogRecord> warnings = services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == 4001).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.All(warnings, w => Assert.Contains("TokenBudgetOptions.ModelContextWindows", w.Message, StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("'llama-3.1-8b'", StringComparison.Ordinal) && w.Message.Contains("GovernedAi:TokenBudget:ModelContextWindows:llama-3.1-8b", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("'mistral-large'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configured_window_silences_the_warning()
    {
        (IChatClient client, _, ServiceProvider services) = Build(o => o.ModelContextWindows["llama-3.1-8b"] = 8_000);
        using ServiceProvider owned = services;

        await SendAsync(client, streaming: false, "llama-3.1-8b");

        Assert.DoesNotContain(services.GetFakeLogCollector().GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task Without_a_default_encoding_an_unknown_model_is_refused_even_without_a_window(bool streaming)
    {
        (IChatClient client, ScriptedChatClient model, ServiceProvider services) = Build(o => o.DefaultEncoding = null);
        using ServiceProvider owned = services;

        TokenCounterNotFoundException ex = await Assert.ThrowsAsync<TokenCounterNotFoundException>(() => SendAsync(client, streaming, "llama-3.1-8b"));

        Assert.IsAssignableFrom<GovernedAiException>(ex);
        Assert.Equal("llama-3.1-8b", ex.ModelId);
        Assert.Contains("AddTokenCounter", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.CallCount);
    }

    [Fact]
    public async Task Without_a_default_encoding_a_known_model_still_passes()
    {
        (IChatClient client, ScriptedChatClient model, ServiceProvider services) = Build(o => o.DefaultEncoding = null);
        using ServiceProvider owned = services;

        await SendAsync(client, streaming: false, "gpt-4o-mini");

        Assert.Equal(1, model.CallCount);
    }
}
