using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Budgeting.BudgetTestConversation;

namespace Contracts.Ai.Tests.Budgeting;

public class TokenBudgetChatReducerTests
{
    [Fact]
    public async Task Reduces_by_tokens_with_the_trimming_rules_and_leaves_the_callers_list_unchanged()
    {
        ChatMessage system = SystemMessage();
        ChatMessage u1 = User("first"), calls = Calls("k1", "k2"), r1 = Result("k1"), r2 = Result("k2"), a1 = Assistant("one"), u2 = User("second");
        List<ChatMessage> messages = [system, u1, calls, r1, r2, a1, u2];
        List<ChatMessage> snapshot = [.. messages];
        var reducer = new TokenBudgetChatReducer(Model, Window(Tokens([system, u2])));

        IEnumerable<ChatMessage> reduced = await reducer.ReduceAsync(messages, CancellationToken.None);

        Assert.Equal([system, u2], reduced);
        Assert.Equal(snapshot, messages);
    }

    [Fact]
    public async Task Returns_the_messages_as_they_are_when_they_fit()
    {
        List<ChatMessage> messages = [User("first"), Assistant("one"), User("second")];
        var reducer = new TokenBudgetChatReducer(Model);

        Assert.Same(messages, await reducer.ReduceAsync(messages, CancellationToken.None));
    }

    [Fact]
    public async Task Throw_policy_throws_with_the_numbers()
    {
        List<ChatMessage> messages = [User("first"), Assistant("one"), User("second", 100)];
        int total = Tokens(messages);
        var reducer = new TokenBudgetChatReducer(Model, Window(total - 5, BudgetOverflowPolicy.Throw));

        ContextBudgetExceededException error = await Assert.ThrowsAsync<ContextBudgetExceededException>(() => reducer.ReduceAsync(messages, CancellationToken.None));

        Assert.Equal(total, error.RequiredTokens);
        Assert.Equal(total - 5, error.LimitTokens);
        Assert.Equal(2, error.LargestMessageIndex);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Works_in_MEAIs_UseChatReducer(bool streaming)
    {
        ChatMessage u1 = User("first"), a1 = Assistant("one"), u2 = User("second");
        ScriptedChatClient inner = Inner();
        using IChatClient client = new ChatClientBuilder(inner)
            .UseChatReducer(new TokenBudgetChatReducer(Model, Window(Tokens([u2]))))
            .Build();

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, [u1, a1, u2], null, streaming);

        Assert.Equal([u2], sent);
    }

    [Fact]
    public async Task Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => new TokenBudgetChatReducer(null!));
        Assert.Throws<ArgumentException>(() => new TokenBudgetChatReducer(" "));
        await Assert.ThrowsAsync<ArgumentNullException>(() => new TokenBudgetChatReducer(Model).ReduceAsync(null!, CancellationToken.None));
        await Assert.ThrowsAsync<OperationCanceledException>(() => new TokenBudgetChatReducer(Model).ReduceAsync([], new CancellationToken(canceled: true)));
    }
}
