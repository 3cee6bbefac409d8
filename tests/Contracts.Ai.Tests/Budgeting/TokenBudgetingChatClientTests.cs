using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Budgeting.BudgetTestConversation;

namespace Contracts.Ai.Tests.Budgeting;

public class TokenBudgetingChatClientTests
{
    public static TheoryData<bool> Streaming => new() { false, true };

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_conversation_that_fits_is_sent_as_it_is(bool streaming)
    {
        List<ChatMessage> messages = [SystemMessage(), User("hello"), Assistant("hi"), User("how")];
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(Tokens(messages)));

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming);

        Assert.Equal(messages, sent);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task Trimming_drops_the_oldest_turns_first_keeps_system_and_leaves_the_callers_list_unchanged(bool streaming)
    {
        ChatMessage system = SystemMessage();
        ChatMessage u1 = User("first"), a1 = Assistant("one"), u2 = User("second"), a2 = Assistant("two"), u3 = User("third"), a3 = Assistant("three"), u4 = User("fourth");
        List<ChatMessage> messages = [system, u1, a1, u2, a2, u3, a3, u4];
        List<ChatMessage> snapshot = [.. messages];
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(Tokens(messages) - Tokens(u1) - Tokens(a1)));

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming);

        Assert.Equal([system, u2, a2, u3, a3, u4], sent);
        Assert.Equal(snapshot, messages);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task The_newest_user_turn_is_kept_when_everything_older_must_go(bool streaming)
    {
        ChatMessage system = SystemMessage();
        ChatMessage u1 = User("first"), a1 = Assistant("one"), u2 = User("second"), call = Calls("c9"), result = Result("c9"), answer = Assistant("done");
        List<ChatMessage> messages = [system, u1, a1, u2, call, result, answer];
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(Tokens([system, u2, call, result, answer])));

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming);

        Assert.Equal([system, u2, call, result, answer], sent);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task Instructions_are_counted_and_kept(bool streaming)
    {
        ChatMessage u1 = User("first"), a1 = Assistant("one"), u2 = User("second");
        List<ChatMessage> messages = [u1, a1, u2];
        var options = new ChatOptions { Instructions = Words("instruction", 30) };
        int instructions = 3 + 1 + Counter.CountTokens(options.Instructions);
        ScriptedChatClient inner = Inner();

        // Room for every message, but not for the messages and the instructions together.
        using var client = new TokenBudgetingChatClient(inner, Window(Tokens(messages) + instructions - 1));
        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, options, streaming);

        Assert.Equal([u2], sent);
        Assert.Equal(options.Instructions, inner.Requests[^1].Options!.Instructions);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task Tool_definitions_are_counted_by_their_schema(bool streaming)
    {
        List<ChatMessage> messages = [User("first"), Assistant("one"), User("second")];
        AIFunction small = AIFunctionFactory.Create(() => 1, "ping");
        AIFunction large = AIFunctionFactory.Create((string customerIdentifier, string shippingAddressLine, string preferredDeliveryWindow, int numberOfParcels) => 1, "schedule_delivery", "Schedules a delivery for a customer.");
        ScriptedChatClient inner = Inner();
        var withSmall = new ChatOptions { Tools = [small] };
        var withLarge = new ChatOptions { Tools = [large] };

        // Find the window that just fits with the small tool; the large tool's schema then forces a trim.
        var probe = new GovernedCall { IsObserved = true };
        GovernedCall.Current = probe;
        var probeOptions = new ChatOptions { Tools = [small] };
        using (var measuring = new TokenBudgetingChatClient(inner, Window(100_000)))
        {
            await SendAsync(measuring, inner, messages, probeOptions, streaming);
        }

        using var client = new TokenBudgetingChatClient(inner, Window(probe.Record!.Budget!.TokensBefore));
        Assert.Equal(3, (await SendAsync(client, inner, messages, withSmall, streaming)).Count);
        Assert.Single(await SendAsync(client, inner, messages, withLarge, streaming));
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_tool_call_and_all_its_parallel_results_are_kept_or_dropped_together(bool streaming)
    {
        ChatMessage system = SystemMessage();
        ChatMessage u1 = User("first"), calls = Calls("a1", "a2", "a3"), r1 = Result("a1"), r2 = Result("a2"), r3 = Result("a3"), a1 = Assistant("summary");
        ChatMessage u2 = User("second");
        r2.Pin();
        List<ChatMessage> messages = [system, u1, calls, r1, r2, r3, a1, u2];
        ScriptedChatClient inner = Inner();

        // Room for the pinned result's whole call group, but not for the first turn's question and answer.
        using var client = new TokenBudgetingChatClient(inner, Window(Tokens([system, calls, r1, r2, r3, u2])));
        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming);

        Assert.Equal([system, calls, r1, r2, r3, u2], sent);
        AssertValidToolStructure(sent);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task Pinned_messages_are_never_dropped(bool streaming)
    {
        ChatMessage system = SystemMessage();
        ChatMessage u1 = User("first").Pin(), a1 = Assistant("one"), u2 = User("second"), a2 = Assistant("two"), u3 = User("third");
        List<ChatMessage> messages = [system, u1, a1, u2, a2, u3];
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(Tokens([system, u1, u3])));

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming);

        Assert.Equal([system, u1, u3], sent);
    }

    [Fact]
    public async Task Trimming_never_opens_with_an_orphaned_tool_result()
    {
        ChatMessage system = SystemMessage();
        ChatMessage orphan = Result("gone"), u1 = User("first"), a1 = Assistant("one"), u2 = User("second");
        List<ChatMessage> messages = [system, orphan, u1, a1, u2];
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(Tokens(messages) - 1));

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming: false);

        Assert.Equal([system, u1, a1, u2], sent);
    }

    [Fact]
    public async Task Every_window_yields_a_valid_conversation_that_keeps_what_must_be_kept()
    {
        ChatMessage system = SystemMessage();
        ChatMessage pinned = User("remember").Pin();
        List<ChatMessage> messages =
        [
            system, User("q1"), Calls("x1", "x2"), Result("x1"), Result("x2"), Assistant("a1"),
            pinned, Assistant("noted"),
            User("q2"), Calls("y1"), Result("y1"), Calls("y2", "y3"), Result("y3"), Result("y2"), Assistant("a2"),
            User("q3"), Assistant("a3"),
            User("q4"), Calls("z1", "z2"), Result("z1"), Result("z2"),
        ];
        int newestTurn = messages.Count - 4;
        int required = Tokens([system, pinned, .. messages[newestTurn..]]);
        int full = Tokens(messages);
        ScriptedChatClient inner = Inner();

        for (int window = required; window <= full; window += 7)
        {
            using var client = new TokenBudgetingChatClient(inner, Window(window));
            IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming: window % 2 == 0);

            Assert.True(Tokens(sent) <= window, $"window {window}: sent {Tokens(sent)} tokens");
            Assert.Contains(system, sent);
            Assert.Contains(pinned, sent);
            Assert.Equal(messages[newestTurn..], sent.Skip(sent.Count - 4));
            Assert.Equal(sent, messages.Where(sent.Contains));
            AssertValidToolStructure(sent);
        }
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task Throw_policy_reports_the_numbers_and_does_not_call_the_model(bool streaming)
    {
        ChatMessage big = User("big", 200);
        List<ChatMessage> messages = [SystemMessage(), User("first"), Assistant("one"), big];
        int total = Tokens(messages);
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(total - 1, BudgetOverflowPolicy.Throw));

        ContextBudgetExceededException error = await Assert.ThrowsAsync<ContextBudgetExceededException>(() => SendAsync(client, inner, messages, null, streaming));

        Assert.Equal(total - 1, error.LimitTokens);
        Assert.Equal(total, error.RequiredTokens);
        Assert.Equal(3, error.LargestMessageIndex);
        Assert.Equal(Tokens(big), error.LargestMessageTokens);
        Assert.Equal(Model, error.ModelId);
        Assert.Contains($"needs {total} input tokens but the limit is {total - 1}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("big0", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.CallCount);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task When_the_required_messages_do_not_fit_trimming_throws_with_the_numbers(bool streaming)
    {
        ChatMessage system = SystemMessage(), big = User("big", 300);
        List<ChatMessage> messages = [system, User("first"), Assistant("one"), big];
        int required = Tokens([system, big]);
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(required - 10));

        ContextBudgetExceededException error = await Assert.ThrowsAsync<ContextBudgetExceededException>(() => SendAsync(client, inner, messages, null, streaming));

        Assert.Equal(required - 10, error.LimitTokens);
        Assert.Equal(required, error.RequiredTokens);
        Assert.Equal(3, error.LargestMessageIndex);
        Assert.Contains("TruncateOversizeMessage", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.CallCount);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task An_oversize_message_can_be_cut_from_the_middle_with_a_visible_marker(bool streaming)
    {
        ChatMessage system = SystemMessage(), big = User("big", 400);
        string originalText = big.Text;
        List<ChatMessage> messages = [system, User("first"), Assistant("one"), big];
        int limit = Tokens([system, big]) - 100;
        TokenBudgetOptions options = Window(limit);
        options.TruncateOversizeMessage = true;
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, options);

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, null, streaming);

        Assert.Equal(2, sent.Count);
        Assert.Same(system, sent[0]);
        string text = sent[1].Text;
        Assert.Matches(@"\n\[… \d+ tokens truncated …\]\n", text);
        Assert.StartsWith("big big0 big1", text, StringComparison.Ordinal);
        Assert.EndsWith("big398 big399", text, StringComparison.Ordinal);
        Assert.True(Tokens(sent) <= limit);
        Assert.True(Tokens(sent) >= limit - 10, $"Cut too much: {Tokens(sent)} of {limit}.");
        Assert.Equal(originalText, big.Text);
        Assert.Same(big, messages[3]);
    }

    [Theory]
    [InlineData(BudgetOverflowPolicy.Trim)]
    [InlineData(BudgetOverflowPolicy.Throw)]
    public async Task Instructions_alone_over_the_limit_are_refused_even_without_messages(BudgetOverflowPolicy policy)
    {
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(50, policy));

        ContextBudgetExceededException error = await Assert.ThrowsAsync<ContextBudgetExceededException>(
            () => client.GetResponseAsync([], new ChatOptions { Instructions = Words("rule", 100) }));

        Assert.Equal(-1, error.LargestMessageIndex);
        Assert.True(error.RequiredTokens > 50);
        Assert.Equal(0, inner.CallCount);
    }

    [Fact]
    public async Task ChatOptions_MaxOutputTokens_is_the_reserved_output_when_set()
    {
        List<ChatMessage> messages = [User("first"), Assistant("one"), User("second")];
        int total = Tokens(messages);
        var options = new TokenBudgetOptions { ContextWindowTokens = total + 1000, ReservedOutputTokens = 0, SafetyMarginTokens = 0 };
        ScriptedChatClient inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, options);

        Assert.Equal(3, (await SendAsync(client, inner, messages, new ChatOptions { MaxOutputTokens = 1000 }, false)).Count);
        Assert.Single(await SendAsync(client, inner, messages, new ChatOptions { MaxOutputTokens = 1001 }, false));
    }

    [Fact]
    public async Task Known_models_bring_their_window_and_options_override_it_per_model()
    {
        List<ChatMessage> messages = [User("old", 3000), Assistant("one", 3000), User("new", 10)];
        ScriptedChatClient inner = Inner();
        var options = new TokenBudgetOptions { ReservedOutputTokens = 0, SafetyMarginTokens = 0 };
        using var client = new TokenBudgetingChatClient(inner, options);

        // gpt-4 has 8,192 tokens; gpt-4o 128,000.
        Assert.Single(await SendAsync(client, inner, messages, new ChatOptions { ModelId = "gpt-4" }, false));
        Assert.Equal(3, (await SendAsync(client, inner, messages, new ChatOptions { ModelId = "gpt-4o" }, false)).Count);

        options.ModelContextWindows["gpt-4o"] = 8_000;
        using var overridden = new TokenBudgetingChatClient(inner, options);
        Assert.Single(await SendAsync(overridden, inner, messages, new ChatOptions { ModelId = "gpt-4o" }, false));
    }

    [Fact]
    public async Task A_model_without_a_known_window_passes_through_unbudgeted()
    {
        List<ChatMessage> messages = [User("old", 3000), User("new")];
        ScriptedChatClient inner = Inner();
        inner.ModelId = "my-local-model";
        using var client = new TokenBudgetingChatClient(inner);

        Assert.Equal(messages, await SendAsync(client, inner, messages, null, false));
    }

    [Fact]
    public async Task An_unknown_model_without_a_default_encoding_is_refused_naming_the_model()
    {
        ScriptedChatClient inner = Inner();
        var options = new TokenBudgetOptions { ContextWindowTokens = 100_000, DefaultEncoding = null };
        using var client = new TokenBudgetingChatClient(inner, options);

        TokenCounterNotFoundException error = await Assert.ThrowsAsync<TokenCounterNotFoundException>(
            () => client.GetResponseAsync([User("hi")], new ChatOptions { ModelId = "llama-3.1-8b" }));

        Assert.Contains("'llama-3.1-8b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddTokenCounter", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.CallCount);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_registered_counter_counts_for_its_model(bool streaming)
    {
        // One token per character: a deliberately different tokenizer.
        var counters = new TokenCounterRegistry().Register("llama-3*", new CharCounter());
        List<ChatMessage> messages = [new(ChatRole.User, new string('a', 100)), new(ChatRole.Assistant, "b"), new(ChatRole.User, "c")];
        ScriptedChatClient inner = Inner();

        // By characters the request needs 3 + 107 + 13 + 8 = 131 tokens (tiktoken: about 40); one less forces the first turn out.
        using var client = new TokenBudgetingChatClient(inner, Window(130), counters);

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, messages, new ChatOptions { ModelId = "llama-3.1-8b" }, streaming);

        Assert.Equal([messages[2]], sent);
    }

    [Fact]
    public async Task A_null_message_list_or_message_is_rejected()
    {
        using var client = new TokenBudgetingChatClient(Inner(), Window(1000));

        await Assert.ThrowsAsync<ArgumentNullException>(() => client.GetResponseAsync(null!));
        Assert.Throws<ArgumentNullException>(() => client.GetStreamingResponseAsync(null!));
        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([User("a"), null!]));
        Assert.Contains("index 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_follow_the_OpenAI_formula_as_the_reference_example_shows()
    {
        // OpenAI cookbook "How to count tokens with tiktoken": 129 prompt tokens on gpt-4 / gpt-3.5-turbo, 124 on gpt-4o.
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."),
            new(ChatRole.System, "New synergies will help drive top-line growth.") { AuthorName = "example_user" },
            new(ChatRole.System, "Things working well together will increase revenue.") { AuthorName = "example_assistant" },
            new(ChatRole.System, "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.") { AuthorName = "example_user" },
            new(ChatRole.System, "Let's talk later when we're less busy about how to do better.") { AuthorName = "example_assistant" },
            new(ChatRole.User, "This late pivot means we don't have time to boil the ocean for the client deliverable."),
        ];

        Assert.Equal(129, await MeasureAsync(messages, "gpt-4"));
        Assert.Equal(129, await MeasureAsync(messages, "gpt-3.5-turbo"));
        Assert.Equal(124, await MeasureAsync(messages, "gpt-4o-mini"));
    }

    [Fact]
    public async Task Images_and_other_data_are_counted_by_the_documented_rule()
    {
        var image = new ChatMessage(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")]);
        var imageLink = new ChatMessage(ChatRole.User, [new UriContent(new Uri("https://example.com/a.png"), "image/png")]);
        var audio = new ChatMessage(ChatRole.User, [new DataContent(new byte[3000], "audio/wav")]);

        int text = await MeasureAsync([new(ChatRole.User, "What is this?")], Model);
        Assert.Equal(text + 1105, await MeasureAsync([image], Model));
        Assert.Equal(3 + 3 + 1 + 1105, await MeasureAsync([imageLink], Model));
        Assert.Equal(3 + 3 + 1 + 1000, await MeasureAsync([audio], Model));
    }

    private static async Task<int> MeasureAsync(List<ChatMessage> messages, string model)
    {
        var call = new GovernedCall { IsObserved = true };
        GovernedCall.Current = call;
        var options = new ChatOptions { ModelId = model };
        using var client = new TokenBudgetingChatClient(Inner(), new TokenBudgetOptions { ContextWindowTokens = 1_000_000 });
        await client.GetResponseAsync(messages, options);
        return call.Record!.Budget!.TokensBefore;
    }

    private sealed class CharCounter : ITokenCounter
    {
        public string Encoding => "chars";

        public int CountTokens(ReadOnlySpan<char> text) => text.Length;
    }
}
