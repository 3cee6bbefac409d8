using System.Text;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>Builds conversations and sends them through a budgeting client, streaming or not.</summary>
internal static class BudgetTestConversation
{
    public const string Model = "gpt-4o";

    public static readonly ITokenCounter Counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);

    public static string Words(string seed, int count)
    {
        var text = new StringBuilder(seed);
        for (int i = 0; i < count; i++)
        {
            text.Append(' ').Append(seed).Append(i);
        }

        return text.ToString();
    }

    public static ChatMessage User(string seed, int words = 20) => new(ChatRole.User, Words(seed, words));

    public static ChatMessage Assistant(string seed, int words = 20) => new(ChatRole.Assistant, Words(seed, words));

    public static ChatMessage SystemMessage(string text = "You are a careful assistant.") => new(ChatRole.System, text);

    public static ChatMessage Calls(params string[] callIds)
    {
        var contents = new List<AIContent>();
        foreach (string id in callIds)
        {
            contents.Add(new FunctionCallContent(id, "lookup_order", new Dictionary<string, object?> { ["orderId"] = "ORD-" + id, ["verbose"] = true }));
        }

        return new ChatMessage(ChatRole.Assistant, contents);
    }

    public static ChatMessage Result(string callId, int words = 15) =>
        new(ChatRole.Tool, [new FunctionResultContent(callId, Words("result" + callId, words))]);

    /// <summary>The tokens a message costs (OpenAI formula), counted without any cache.</summary>
    public static int Tokens(ChatMessage message) => new TokenCountCache().CountMessage(message, Counter, 1105);

    /// <summary>The tokens of a whole request: 3 for reply priming plus every message.</summary>
    public static int Tokens(IEnumerable<ChatMessage> messages)
    {
        int total = 3;
        foreach (ChatMessage message in messages)
        {
            total += Tokens(message);
        }

        return total;
    }

    public static TokenBudgetOptions Window(int inputTokens, BudgetOverflowPolicy policy = BudgetOverflowPolicy.Trim) => new()
    {
        ContextWindowTokens = inputTokens,
        ReservedOutputTokens = 0,
        SafetyMarginTokens = 0,
        OnOverflow = policy,
    };

    public static async Task<IReadOnlyList<ChatMessage>> SendAsync(IChatClient client, ScriptedChatClient inner, IList<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        int before = inner.Requests.Count;
        if (streaming)
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options))
            {
                Assert.NotNull(update);
            }
        }
        else
        {
            ChatResponse response = await client.GetResponseAsync(messages, options);
            Assert.Equal("ok", response.Text);
        }

        Assert.Equal(before + 1, inner.Requests.Count);
        Assert.Equal(streaming, inner.Requests[^1].Streaming);
        return inner.Requests[^1].Messages;
    }

    public static ScriptedChatClient Inner() => new(_ => ScriptedTurn.Reply("ok")) { ModelId = Model };

    /// <summary>Asserts the conversation is valid for OpenAI: every tool result follows its call, every call has all its results, and it does not open with a tool result.</summary>
    public static void AssertValidToolStructure(IReadOnlyList<ChatMessage> messages)
    {
        var calls = new HashSet<string>();
        var results = new HashSet<string>();
        bool seenNonSystem = false;
        foreach (ChatMessage message in messages)
        {
            if (message.Role != ChatRole.System && !seenNonSystem)
            {
                seenNonSystem = true;
                Assert.NotEqual(ChatRole.Tool, message.Role);
            }

            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    calls.Add(call.CallId);
                }
                else if (content is FunctionResultContent result)
                {
                    Assert.True(calls.Contains(result.CallId), $"Tool result {result.CallId} has no preceding call.");
                    results.Add(result.CallId);
                }
            }
        }

        Assert.True(calls.SetEquals(results), $"Calls without results: {string.Join(",", calls.Except(results))}");
    }
}
