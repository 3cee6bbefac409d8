using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Budgeting;

public class ContractInputBudgetTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_contracts_MaxInputTokens_trims_the_conversation_even_when_the_model_window_is_unknown(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => model)
            .AddContract(new PromptContract { Id = "chat.brief", Version = "1.0.0", Template = "Be brief.", MaxInputTokens = 300 })
            .AddContract(new PromptContract { Id = "chat.roomy", Version = "1.0.0", Template = "Be brief." });
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        List<ChatMessage> history = Conversation(60);

        await chat.AskAsync(history, new ChatOptions().WithContract("chat.brief"), streaming);
        await chat.AskAsync(history, new ChatOptions().WithContract("chat.roomy"), streaming);

        IReadOnlyList<ChatMessage> capped = model.Requests[0].Messages;
        IReadOnlyList<ChatMessage> uncapped = model.Requests[1].Messages;
        Assert.True(capped.Count < history.Count / 2, $"expected trimming, got {capped.Count} of {history.Count} messages");
        Assert.Equal(history[^1].Text, capped[^1].Text);
        Assert.Equal(history.Count, uncapped.Count);
        Assert.Equal(61, history.Count);
    }

    [Fact]
    public async Task A_request_cap_lowers_a_known_window_but_never_raises_it()
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using IChatClient chat = new ChatClientBuilder(model).UseTokenBudget(o => o.ContextWindowTokens = 100_000).Build();
        List<ChatMessage> history = Conversation(60);
        var capped = new ChatOptions { AdditionalProperties = new() { [TokenBudgetOptions.MaxInputTokensKey] = 300 } };
        var generous = new ChatOptions { AdditionalProperties = new() { [TokenBudgetOptions.MaxInputTokensKey] = 1_000_000 } };

        await chat.GetResponseAsync(history, capped);
        await chat.GetResponseAsync(history, generous);

        Assert.True(model.Requests[0].Messages.Count < 30);
        Assert.Equal(history.Count, model.Requests[1].Messages.Count);
    }

    private static List<ChatMessage> Conversation(int count)
    {
        var messages = new List<ChatMessage>();
        for (int i = 0; messages.Count < count; i++)
        {
            messages.Add(new ChatMessage(ChatRole.User, $"Question {i} about parcel {i}: when will it arrive and where can I pick it up?"));
            messages.Add(new ChatMessage(ChatRole.Assistant, $"Answer {i}: parcel {i} arrives tomorrow; pick-up points are listed online."));
        }

        messages.Add(new ChatMessage(ChatRole.User, "And the last question?"));
        return messages;
    }
}
