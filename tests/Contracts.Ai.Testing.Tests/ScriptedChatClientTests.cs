using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Testing.Tests;

public class ScriptedChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Answers_turns_in_order_and_records_requests(bool streaming)
    {
        using var client = new ScriptedChatClient(ScriptedTurn.Reply("first answer"), ScriptedTurn.Reply("second").WithUsage(10, 2));

        string first = await AskAsync(client, "q1", streaming);
        string second = await AskAsync(client, "q2", streaming);

        Assert.Equal("first answer", first);
        Assert.Equal("second", second);
        Assert.Equal(2, client.CallCount);
        Assert.Equal(["q1", "q2"], client.Requests.Select(r => r.Messages[^1].Text));
        Assert.All(client.Requests, r => Assert.Equal(streaming, r.Streaming));
    }

    [Fact]
    public async Task Streams_text_in_the_requested_number_of_chunks()
    {
        using var client = new ScriptedChatClient(ScriptedTurn.Reply("abcdefghij").WithChunks(5));

        var texts = new List<string>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("q"))
        {
            if (update.Text.Length > 0)
            {
                texts.Add(update.Text);
            }
        }

        Assert.Equal(["ab", "cd", "ef", "gh", "ij"], texts);
    }

    [Fact]
    public async Task Tool_call_turn_reports_the_call_and_the_finish_reason()
    {
        using var client = new ScriptedChatClient(ScriptedTurn.CallTool("get_order", new Dictionary<string, object?> { ["id"] = 7 }, "call_1"));

        ChatResponse response = await client.GetResponseAsync("q");

        FunctionCallContent call = Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages[0].Contents));
        Assert.Equal("get_order", call.Name);
        Assert.Equal("call_1", call.CallId);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task Failure_turn_throws_the_scripted_exception()
    {
        var failure = new HttpRequestException("connection reset");
        using var client = new ScriptedChatClient(ScriptedTurn.Fail(failure));

        HttpRequestException thrown = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync("q"));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task Exhausted_script_says_how_many_turns_it_held()
    {
        using var client = new ScriptedChatClient(ScriptedTurn.Reply("only"));
        await client.GetResponseAsync("q1");

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync("q2"));

        Assert.Contains("no turn left for request 2", ex.Message);
        Assert.Contains("held 1 turn", ex.Message);
    }

    [Fact]
    public async Task Delay_honours_cancellation()
    {
        using var client = new ScriptedChatClient(ScriptedTurn.Reply("late").WithDelay(TimeSpan.FromMinutes(5)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync("q", cancellationToken: cts.Token));
    }

    [Fact]
    public async Task Responder_answers_once_the_queue_is_empty()
    {
        using var client = new ScriptedChatClient(request => ScriptedTurn.Reply($"echo {request.Messages[^1].Text}"));

        ChatResponse response = await client.GetResponseAsync("ping");

        Assert.Equal("echo ping", response.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_request_history_limit_keeps_only_the_newest_requests(bool streaming)
    {
        using var client = new ScriptedChatClient(r => ScriptedTurn.Reply("echo " + r.Messages[^1].Text)) { RequestHistoryLimit = 3 };

        for (int i = 1; i <= 10; i++)
        {
            Assert.Equal("echo q" + i, await AskAsync(client, "q" + i, streaming));
        }

        Assert.Equal(10, client.CallCount);
        Assert.Equal(["q8", "q9", "q10"], client.Requests.Select(r => r.Messages[^1].Text));
    }

    [Fact]
    public async Task A_request_history_limit_of_zero_keeps_none_but_still_answers_and_counts()
    {
        using var client = new ScriptedChatClient(r => ScriptedTurn.Reply("echo " + r.Messages[^1].Text)) { RequestHistoryLimit = 0 };

        Assert.Equal("echo ping", await AskAsync(client, "ping", streaming: false));

        Assert.Empty(client.Requests);
        Assert.Equal(1, client.CallCount);
    }

    [Fact]
    public async Task Concurrent_requests_never_leave_more_than_the_limit()
    {
        using var client = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok")) { RequestHistoryLimit = 5 };

        await Parallel.ForEachAsync(Enumerable.Range(0, 200), async (i, ct) => await client.GetResponseAsync("q" + i, cancellationToken: ct));

        Assert.Equal(200, client.CallCount);
        Assert.Equal(5, client.Requests.Count);
    }

    [Fact]
    public void A_negative_request_history_limit_is_rejected_by_name()
    {
        using var client = new ScriptedChatClient();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => client.RequestHistoryLimit = -1);

        Assert.Equal("RequestHistoryLimit", error.ParamName);
        Assert.Null(client.RequestHistoryLimit);
    }

    private static async Task<string> AskAsync(IChatClient client, string question, bool streaming)
    {
        if (!streaming)
        {
            return (await client.GetResponseAsync(question)).Text;
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(question))
        {
            updates.Add(update);
        }

        return updates.ToChatResponse().Text;
    }
}
