using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Budgeting.BudgetTestConversation;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>The tokens a chat format adds around counted text: OpenAI's by default, a model's own when its counter says so.</summary>
public class ChatTokenOverheadTests
{
    private const string LlamaModel = "llama-3.1-70b";

    // A chat template unlike OpenAI's: 7 tokens around each message, 2 per name, 5 per tool call, 20 per tool, none for the list, 9 per request.
    private static readonly ChatTokenOverhead LlamaOverhead = new(perMessage: 7, perName: 2, perToolCall: 5, perToolDefinition: 20, perToolList: 0, perRequest: 9);

    public static TheoryData<bool> Streaming => new() { false, true };

    [Fact]
    public void Counters_use_OpenAIs_formula_unless_they_say_otherwise()
    {
        Assert.Same(ChatTokenOverhead.OpenAI, ((ITokenCounter)TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase)).Overhead);
        Assert.Same(ChatTokenOverhead.OpenAI, ((ITokenCounter)new PlainCounter()).Overhead);
        Assert.Equal(3, ChatTokenOverhead.OpenAI.PerMessage);
        Assert.Equal(3, ChatTokenOverhead.OpenAI.PerRequest);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChatTokenOverhead(-1, 0, 0, 0, 0, 0));
    }

    [Fact]
    public void A_message_is_counted_with_the_overhead_of_its_counter()
    {
        var message = new ChatMessage(ChatRole.User, "Where is my parcel?") { AuthorName = "ana" };
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "track", new Dictionary<string, object?> { ["id"] = "P-9" })]);
        ITokenCounter openAi = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
        ITokenCounter llama = openAi.WithOverhead(LlamaOverhead);
        var cache = new TokenCountCache();

        int text = openAi.CountTokens("user") + openAi.CountTokens("Where is my parcel?") + openAi.CountTokens("ana");
        Assert.Equal(3 + 1 + text, cache.CountMessage(message, openAi, 1105));
        Assert.Equal(7 + 2 + text, cache.CountMessage(message, llama, 1105));

        // Same encoding, so the same cache: the counts made under each overhead stay apart.
        Assert.Equal(3 + 1 + text, cache.CountMessage(message, openAi, 1105));
        Assert.Equal(cache.CountMessage(call, openAi, 1105) - 3 - 3 + 7 + 5, cache.CountMessage(call, llama, 1105));
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_model_with_its_own_chat_format_is_budgeted_by_it(bool streaming)
    {
        ITokenCounter text = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
        var counter = new CustomCounter(LlamaOverhead);
        List<ChatMessage> messages = [SystemMessage(), User("first"), Assistant("one"), User("second")];
        AIFunction tool = AIFunctionFactory.Create((string id) => id, "track");
        var options = new ChatOptions { Tools = [tool] };

        // What the request costs under the model's own formula.
        int needed = LlamaOverhead.PerRequest + LlamaOverhead.PerToolList + LlamaOverhead.PerToolDefinition
            + text.CountTokens(tool.Name) + text.CountTokens(tool.Description) + text.CountTokens(tool.JsonSchema.GetRawText());
        foreach (ChatMessage message in messages)
        {
            needed += LlamaOverhead.PerMessage + text.CountTokens(message.Role.Value) + text.CountTokens(message.Text);
        }

        var registry = new TokenCounterRegistry();
        registry.Register(LlamaModel, counter);

        // Exactly enough: everything is sent.
        var inner = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok")) { ModelId = LlamaModel };
        using (var client = new TokenBudgetingChatClient(inner, Window(needed), registry))
        {
            Assert.Equal(messages, await SendAsync(client, inner, messages, options, streaming));
        }

        // One token less: the oldest turn goes, as the model's formula (not OpenAI's) says it must.
        using (var client = new TokenBudgetingChatClient(inner, Window(needed - 1), registry))
        {
            Assert.Equal([messages[0], messages[3]], await SendAsync(client, inner, messages, options, streaming));
        }
    }

    /// <summary>A counter of the tiktoken text with a chat format of its own.</summary>
    private sealed class CustomCounter(ChatTokenOverhead overhead) : ITokenCounter
    {
        private readonly ITokenCounter _text = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);

        public string Encoding => "llama-like";

        public ChatTokenOverhead Overhead => overhead;

        public int CountTokens(ReadOnlySpan<char> text) => _text.CountTokens(text);
    }

    /// <summary>A counter that says nothing of its chat format.</summary>
    private sealed class PlainCounter : ITokenCounter
    {
        public string Encoding => "plain";

        public int CountTokens(ReadOnlySpan<char> text) => text.Length;
    }
}
