using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Budgeting.BudgetTestConversation;

namespace Contracts.Ai.Tests.Budgeting;

public class TokenCountCacheTests
{
    [Fact]
    public void A_growing_conversation_only_tokenizes_the_new_message()
    {
        var cache = new TokenCountCache();
        var messages = new List<ChatMessage>();
        for (int i = 0; i < 50; i++)
        {
            messages.Add(i % 2 == 0 ? User("question" + i) : Assistant("answer" + i));
        }

        int first = CountAll(cache, messages);
        long calls = cache.TokenizerCalls;
        messages.Add(User("latest"));
        int second = CountAll(cache, messages);

        Assert.Equal(first + Tokens(messages[^1]), second);
        Assert.Equal(calls + 1, cache.TokenizerCalls); // only the new message's text: the role was counted once, with the first message
    }

    [Fact]
    public void Equal_content_in_new_message_objects_is_not_tokenized_again()
    {
        var cache = new TokenCountCache();
        ChatMessage original = User("stored");
        int count = cache.CountMessage(original, Counter, 1105);
        long calls = cache.TokenizerCalls;

        var reloaded = new ChatMessage(ChatRole.User, new string(original.Text.AsSpan()));

        Assert.Equal(count, cache.CountMessage(reloaded, Counter, 1105));
        Assert.Equal(calls, cache.TokenizerCalls);
    }

    public static TheoryData<string> Mutations => new()
    {
        "text edited", "content added", "content replaced", "content removed", "role changed", "author name set",
        "argument replaced", "argument added", "mutable argument changed in place", "mutable result changed in place", "result replaced",
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void A_mutated_message_never_reuses_a_stale_count(string mutation)
    {
        var cache = new TokenCountCache();
        var tags = new List<string> { "a" };
        var details = new List<string> { "short" };
        var arguments = new Dictionary<string, object?> { ["orderId"] = "ORD-1", ["tags"] = tags };
        var message = new ChatMessage(ChatRole.Assistant, [new TextContent("Let me check."), new FunctionCallContent("c1", "lookup", arguments), new FunctionResultContent("c1", details)]);
        int before = cache.CountMessage(message, Counter, 1105);
        Assert.Equal(before, cache.CountMessage(message, Counter, 1105));

        switch (mutation)
        {
            case "text edited": ((TextContent)message.Contents[0]).Text = "Let me check that order for you right away."; break;
            case "content added": message.Contents.Add(new TextContent("One more thing.")); break;
            case "content replaced": message.Contents[0] = new TextContent("Checking the order history of your account now."); break;
            case "content removed": message.Contents.RemoveAt(0); break;
            case "role changed": message.Role = new ChatRole("order_history_reviewer"); break;
            case "author name set": message.AuthorName = "support_bot"; break;
            case "argument replaced": arguments["orderId"] = "ORD-1234567890-EXTENDED"; break;
            case "argument added": arguments["verbose"] = true; break;
            case "mutable argument changed in place": tags.AddRange(["priority", "express", "gift-wrapped"]); break;
            case "mutable result changed in place": details.AddRange(["a much longer", "tool result", "than before"]); break;
            case "result replaced": ((FunctionResultContent)message.Contents[2]).Result = "a completely different and longer result"; break;
        }

        int after = cache.CountMessage(message, Counter, 1105);

        Assert.Equal(new TokenCountCache().CountMessage(message, Counter, 1105), after);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void Counts_are_kept_apart_per_encoding()
    {
        var cache = new TokenCountCache();
        var message = new ChatMessage(ChatRole.User, "我们明天在北京开会，请准时参加。人工智能正在改变软件开发的方式。");
        ITokenCounter cl100k = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.Cl100kBase);

        int o200k = cache.CountMessage(message, Counter, 1105);
        int cl = cache.CountMessage(message, cl100k, 1105);

        Assert.Equal(3 + 1 + Counter.CountTokens(message.Text), o200k);
        Assert.Equal(3 + 1 + cl100k.CountTokens(message.Text), cl);
        Assert.NotEqual(o200k, cl);
    }

    [Fact]
    public void Role_names_are_counted_once_per_encoding_and_stay_exact_past_the_remembered_roles()
    {
        var cache = new TokenCountCache();
        ITokenCounter cl100k = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.Cl100kBase);

        // More custom roles than the cache remembers, each counted with both encodings, and each again.
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 40; i++)
            {
                string role = "reviewer_" + i + "_of_the_北京_office";
                var message = new ChatMessage(new ChatRole(role), "same text " + round);
                foreach (ITokenCounter counter in new[] { Counter, cl100k })
                {
                    Assert.Equal(3 + counter.CountTokens(role) + counter.CountTokens(message.Text), cache.CountMessage(message, counter, 1105));
                }
            }
        }
    }

    [Fact]
    public void The_content_cache_is_bounded_and_stays_correct_past_its_bound()
    {
        var cache = new TokenCountCache(generationCapacity: 100);
        var messages = new List<ChatMessage>();
        for (int i = 0; i < 1000; i++)
        {
            messages.Add(new ChatMessage(ChatRole.User, "message number " + i));
        }

        foreach (ChatMessage message in messages)
        {
            cache.CountMessage(message, Counter, 1105);
        }

        Assert.InRange(cache.StoredCounts, 1, 200);
        foreach (ChatMessage message in messages)
        {
            Assert.Equal(Tokens(message), cache.CountMessage(new ChatMessage(message.Role, message.Text), Counter, 1105));
        }
    }

    [Fact]
    public void Concurrent_counting_gives_the_same_counts()
    {
        var cache = new TokenCountCache(generationCapacity: 64);
        var messages = new List<ChatMessage>();
        for (int i = 0; i < 300; i++)
        {
            messages.Add(i % 3 == 0 ? Result("r" + i) : User("concurrent" + (i % 50)));
        }

        int[] expected = messages.Select(Tokens).ToArray();
        Parallel.For(0, 8, _ =>
        {
            for (int round = 0; round < 5; round++)
            {
                for (int i = 0; i < messages.Count; i++)
                {
                    Assert.Equal(expected[i], cache.CountMessage(messages[i], Counter, 1105));
                }
            }
        });
    }

    [Fact]
    public void Unknown_content_is_counted_by_its_JSON_never_as_zero()
    {
        var message = new ChatMessage(ChatRole.User, [new ErrorContent("The upstream service timed out while reading the order.") { ErrorCode = "timeout" }]);

        Assert.True(Tokens(message) > 3 + 1 + 10);
    }

    private static int CountAll(TokenCountCache cache, List<ChatMessage> messages)
    {
        int total = 0;
        foreach (ChatMessage message in messages)
        {
            total += cache.CountMessage(message, Counter, 1105);
        }

        return total;
    }
}
