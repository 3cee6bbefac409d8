using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Memory;

public class SessionHistoryTests
{
    private static readonly ITokenCounter Counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);

    private static readonly TokenCountCache Cache = new();

    private static SessionTurn Turn(int tokens, params ChatMessage[] messages) => new(messages, tokens, Counter.Encoding);

    [Fact]
    public void The_newest_whole_turns_that_fit_are_kept()
    {
        SessionTurn[] turns = [Turn(10, new ChatMessage(ChatRole.User, "a")), Turn(10, new ChatMessage(ChatRole.User, "b")), Turn(10, new ChatMessage(ChatRole.User, "c"))];

        int start = SessionHistory.SelectStart(turns, Counter, maxTokens: 25, Cache, out int tokens);

        Assert.Equal(1, start);
        Assert.Equal(20, tokens);
    }

    [Fact]
    public void A_turn_that_opens_with_a_tool_result_is_never_kept_without_the_turn_that_called_the_tool()
    {
        SessionTurn[] turns =
        [
            Turn(10, new ChatMessage(ChatRole.User, "refund 42"), new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "refund", new Dictionary<string, object?> { ["id"] = 42 })])),
            Turn(10, new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "ok")]), new ChatMessage(ChatRole.Assistant, "Refunded.")),
        ];

        int start = SessionHistory.SelectStart(turns, Counter, maxTokens: 15, Cache, out int tokens);

        Assert.Equal(2, start);
        Assert.Equal(0, tokens);
        Assert.Equal(0, SessionHistory.SelectStart(turns, Counter, maxTokens: 20, Cache, out _));
    }

    [Fact]
    public void Turns_counted_with_another_encoding_are_recounted()
    {
        var message = new ChatMessage(ChatRole.User, "a message of several words to count again");
        SessionTurn[] turns = [new([message], 1, "cl100k_base")];

        SessionHistory.SelectStart(turns, Counter, maxTokens: 1000, Cache, out int tokens);

        Assert.Equal(Cache.CountMessage(message, Counter, 0), tokens);
        Assert.True(tokens > 1);
    }
}
