using System.Collections.Concurrent;
using System.Diagnostics;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.Memory;

/// <summary>Session memory through the paths apps take: AddGovernedAi over a client with UseFunctionInvocation, and UseGovernedAi.</summary>
public class SessionMemoryChatClientTests
{
    private static ChatOptions Session(string tenant, string user, string session) => new ChatOptions().WithTenant(tenant, user).WithSession(session);

    private static string[] Texts(ScriptedRequest request) => request.Messages.Select(m => $"{m.Role.Value}:{m.Text}").ToArray();

    private static ServiceProvider Governed(ScriptedChatClient model, Action<SessionMemoryOptions>? configure = null, Action<IGovernedAiBuilder>? more = null)
    {
        var services = new ServiceCollection();
        services.AddChatClient(model).UseFunctionInvocation();
        IGovernedAiBuilder governed = services.AddGovernedAi().AddSessionMemory(configure);
        more?.Invoke(governed);
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_caller_sends_only_the_new_turn_and_the_model_sees_the_remembered_ones_before_it(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Hello Ada"), ScriptedTurn.Reply("You are Ada"));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await client.AskAsync("My name is Ada", Session("acme", "u1", "s1"), streaming);
        ChatResponse second = await client.AskAsync([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "What is my name?")], Session("acme", "u1", "s1"), streaming);

        Assert.Equal("You are Ada", second.Text);
        Assert.Equal(["system:Be brief.", "user:My name is Ada", "assistant:Hello Ada", "user:What is my name?"], Texts(model.Requests[1]));
        IReadOnlyList<ChatMessage> remembered = await provider.GetRequiredService<ISessionMemory>().GetHistoryAsync("acme", "u1", "s1");
        Assert.Equal(["user:My name is Ada", "assistant:Hello Ada", "user:What is my name?", "assistant:You are Ada"], remembered.Select(m => $"{m.Role.Value}:{m.Text}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UseGovernedAi_remembers_sessions_without_any_setup(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Noted: blue"), ScriptedTurn.Reply("Blue"));
        using IChatClient client = new ChatClientBuilder(model).UseGovernedAi().Build();

        await client.AskAsync("My favourite colour is blue", Session("acme", "u1", "s1"), streaming);
        await client.AskAsync("Which colour?", Session("acme", "u1", "s1"), streaming);

        Assert.Equal(["user:My favourite colour is blue", "assistant:Noted: blue", "user:Which colour?"], Texts(model.Requests[1]));
        Assert.NotNull(client.GetService<SessionMemoryChatClient>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_same_session_id_under_another_user_or_tenant_sees_nothing(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await client.AskAsync("secret of u1", Session("acme", "u1", "s1"), streaming);
        await client.AskAsync("hello", Session("acme", "u2", "s1"), streaming);
        await client.AskAsync("hello", Session("globex", "u1", "s1"), streaming);
        await client.AskAsync("hello", new ChatOptions().WithTenant("acme", "u1").WithSession("S1"), streaming);

        for (int i = 1; i < 4; i++)
        {
            Assert.Equal(["user:hello"], Texts(model.Requests[i]));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_or_cancelled_request_remembers_nothing(bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.Fail(new HttpRequestException("upstream 503")),
            ScriptedTurn.Reply("slow").WithDelay(TimeSpan.FromSeconds(30)),
            ScriptedTurn.Reply("fine"));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.AskAsync("first", Session("acme", "u1", "s1"), streaming));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.AskAsync("second", Session("acme", "u1", "s1"), streaming, cts.Token));
        await client.AskAsync("third", Session("acme", "u1", "s1"), streaming);

        Assert.Equal(["user:third"], Texts(model.Requests[2]));
    }

    [Fact]
    public async Task A_stream_abandoned_before_its_end_remembers_nothing()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("a long answer in many chunks").WithChunks(5), ScriptedTurn.Reply("fine"));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("first", Session("acme", "u1", "s1")))
        {
            break;
        }

        await client.GetResponseAsync("second", Session("acme", "u1", "s1"));

        Assert.Equal(["user:second"], Texts(model.Requests[1]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_replayed_idempotent_request_remembers_its_turn_once(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("refund started"), ScriptedTurn.Reply("never"));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();

        ChatResponse first = await client.AskAsync("Refund order 42", Session("acme", "u1", "s1").WithIdempotencyKey("refund-42"), streaming);
        ChatResponse replay = await client.AskAsync("Refund order 42", Session("acme", "u1", "s1").WithIdempotencyKey("refund-42"), streaming);

        Assert.Equal(1, model.CallCount);
        Assert.Equal(first.Text, replay.Text);
        IReadOnlyList<ChatMessage> remembered = await provider.GetRequiredService<ISessionMemory>().GetHistoryAsync("acme", "u1", "s1");
        Assert.Equal(["user:Refund order 42", "assistant:refund started"], remembered.Select(m => $"{m.Role.Value}:{m.Text}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task History_is_bounded_by_MaxTokens_keeping_the_newest_whole_turns(bool streaming)
    {
        const int maxTokens = 120;
        var model = new ScriptedChatClient(request => ScriptedTurn.Reply("Answer to " + request.Messages[^1].Text + ": the parcel leaves the depot tomorrow morning."));
        using ServiceProvider provider = Governed(model, o => o.MaxTokens = maxTokens);
        IChatClient client = provider.GetRequiredService<IChatClient>();
        for (int i = 0; i < 12; i++)
        {
            await client.AskAsync($"question {i} about where my parcel is right now", Session("acme", "u1", "s1"), streaming);
        }

        await client.AskAsync("last question", Session("acme", "u1", "s1"), streaming);

        IReadOnlyList<ChatMessage> sent = model.Requests[^1].Messages;
        IReadOnlyList<ChatMessage> remembered = sent.Take(sent.Count - 1).ToList();
        IReadOnlyList<ChatMessage> all = await provider.GetRequiredService<ISessionMemory>().GetHistoryAsync("acme", "u1", "s1");
        ITokenCounter counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
        int Tokens(IEnumerable<ChatMessage> messages) => messages.Sum(m => new TokenCountCache().CountMessage(m, counter, 0));

        Assert.Equal("last question", sent[^1].Text);
        Assert.True(remembered.Count >= 2 && remembered.Count % 2 == 0, $"whole turns only, got {remembered.Count} messages");
        Assert.Equal(ChatRole.User, remembered[0].Role);
        Assert.Equal(all.Skip(all.Count - 2 - remembered.Count).Take(remembered.Count).Select(m => m.Text), remembered.Select(m => m.Text));
        Assert.True(Tokens(remembered) <= maxTokens);
        List<ChatMessage> oneMoreTurn = all.Skip(all.Count - 2 - remembered.Count - 2).Take(remembered.Count + 2).ToList();
        Assert.True(Tokens(oneMoreTurn) > maxTokens, "the next older turn would not have fitted");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tool_calls_are_remembered_with_their_results(bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.CallTool("lookup_order", new Dictionary<string, object?> { ["orderId"] = 42 }, "call-1"),
            ScriptedTurn.Reply("Order 42 has shipped."),
            ScriptedTurn.Reply("It shipped yesterday."));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();
        AIFunction lookup = AIFunctionFactory.Create((int orderId) => $"order {orderId}: shipped", "lookup_order");

        await client.AskAsync("Where is order 42?", Session("acme", "u1", "s1").WithTools(lookup), streaming);
        await client.AskAsync("When?", Session("acme", "u1", "s1").WithTools(lookup), streaming);

        // Data protection adds its spotlighting instruction: remembered tool output is screened like fresh tool output.
        List<ChatMessage> sent = model.Requests[2].Messages.Where(m => m.Role != ChatRole.System).ToList();
        Assert.Equal(5, sent.Count);
        Assert.Equal("Where is order 42?", sent[0].Text);
        FunctionCallContent call = Assert.Single(sent[1].Contents.OfType<FunctionCallContent>());
        FunctionResultContent result = Assert.Single(sent[2].Contents.OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Contains("shipped", result.Result?.ToString());
        Assert.Equal("Order 42 has shipped.", sent[3].Text);
        Assert.Equal("When?", sent[4].Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stored_turns_are_redacted_and_the_contract_prompt_is_not_stored(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Noted, I will write to ada.lovelace@example.com."));
        using ServiceProvider provider = Governed(model, more: b => b.AddContract(new PromptContract
        {
            Id = "support.reply",
            Version = "1.0.0",
            Template = "You are the support agent of {{product}}.",
            Inputs = { new ContractInput { Name = "product" } },
        }));
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await client.AskAsync("Mail me at ada.lovelace@example.com", Session("acme", "u1", "s1").WithContract("support.reply", new { product = "Parcelly" }), streaming);

        IReadOnlyList<ChatMessage> remembered = await provider.GetRequiredService<ISessionMemory>().GetHistoryAsync("acme", "u1", "s1");
        Assert.Equal(2, remembered.Count);
        Assert.DoesNotContain(remembered, m => m.Text.Contains("ada.lovelace@example.com", StringComparison.Ordinal));
        Assert.All(remembered, m => Assert.Contains("[EMAIL]", m.Text, StringComparison.Ordinal));
        Assert.DoesNotContain(remembered, m => m.Role == ChatRole.System || m.Text.Contains("support agent", StringComparison.Ordinal));
        Assert.Equal("You are the support agent of Parcelly.", model.Requests[0].Options?.Instructions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_requests_in_one_session_lose_no_turn(bool streaming)
    {
        var model = new ScriptedChatClient(request => ScriptedTurn.Reply("re: " + request.Messages[^1].Text).WithDelay(TimeSpan.FromMilliseconds(5)));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => client.AskAsync($"q{i}", Session("acme", "u1", "s1"), streaming))));

        IReadOnlyList<ChatMessage> remembered = await provider.GetRequiredService<ISessionMemory>().GetHistoryAsync("acme", "u1", "s1");
        Assert.Equal(80, remembered.Count);
        for (int i = 0; i < 40; i++)
        {
            int at = remembered.Select(m => m.Text).ToList().IndexOf($"q{i}");
            Assert.True(at >= 0, $"q{i} was lost");
            Assert.Equal($"re: q{i}", remembered[at + 1].Text);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_a_provider_conversation_nothing_is_prepended_and_the_turn_is_still_remembered(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await client.AskAsync("first", Session("acme", "u1", "s1"), streaming);
        ChatOptions stateful = Session("acme", "u1", "s1");
        stateful.ConversationId = "resp_123";
        await client.AskAsync("second", stateful, streaming);

        Assert.Equal(["user:second"], Texts(model.Requests[1]));
        Assert.Equal(4, (await provider.GetRequiredService<ISessionMemory>().GetHistoryAsync("acme", "u1", "s1")).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_request_span_counts_turns_and_tokens_and_the_audit_holds_a_hash_of_the_session(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("a reply long enough to cost some tokens in the history"));
        var sink = new Sink();
        using ServiceProvider provider = Governed(model, o => o.MaxTokens = 40, b => b.AddAuditSink(sink));
        IChatClient client = provider.GetRequiredService<IChatClient>();
        using var spans = new SpanCollector();

        for (int i = 0; i < 4; i++)
        {
            await client.AskAsync($"question number {i}", Session("acme", "u1", "session-secret-7"), streaming);
        }

        await client.AskAsync("other", Session("acme", "u2", "session-secret-7"), streaming);

        List<Activity> requests = spans.Named("contracts_ai.request").OrderBy(a => a.StartTimeUtc).ToList();
        Activity last = requests[3];
        int loaded = Assert.IsType<int>(last.GetTagItem("contracts_ai.session.turns_loaded"));
        int dropped = Assert.IsType<int>(last.GetTagItem("contracts_ai.session.turns_dropped"));
        Assert.True(loaded >= 1);
        Assert.Equal(3, loaded + dropped);
        Assert.True(dropped >= 1);
        Assert.InRange(Assert.IsType<int>(last.GetTagItem("contracts_ai.session.tokens_loaded")), 1, 40);
        Assert.Equal(0, requests[0].GetTagItem("contracts_ai.session.turns_loaded"));
        Assert.DoesNotContain(requests.SelectMany(a => a.TagObjects), t => t.Value is string s && s.Contains("session-secret-7", StringComparison.Ordinal));

        IReadOnlyList<DecisionRecord> records = sink.Records;
        Assert.Equal(5, records.Count);
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty(r.SessionIdHash)));
        Assert.Single(records.Take(4).Select(r => r.SessionIdHash).Distinct());
        Assert.NotEqual(records[0].SessionIdHash, records[4].SessionIdHash);
        Assert.DoesNotContain("session-secret-7", System.Text.Json.JsonSerializer.Serialize(records[0]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_session_without_a_user_is_refused_before_the_model_unless_RequireUser_is_off(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider strict = Governed(model);
        SessionMemoryException error = await Assert.ThrowsAsync<SessionMemoryException>(() =>
            strict.GetRequiredService<IChatClient>().AskAsync("hi", new ChatOptions().WithTenant("acme").WithSession("s1"), streaming));
        Assert.Contains("WithTenant(tenantId, userId)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.CallCount);

        using ServiceProvider anonymous = Governed(model, o => o.RequireUser = false);
        IChatClient client = anonymous.GetRequiredService<IChatClient>();
        await client.AskAsync("first", new ChatOptions().WithTenant("acme").WithSession("kiosk-7f3a"), streaming);
        await client.AskAsync("second", new ChatOptions().WithTenant("acme").WithSession("kiosk-7f3a"), streaming);
        await client.AskAsync("third", new ChatOptions().WithTenant("acme", "u1").WithSession("kiosk-7f3a"), streaming);

        Assert.Equal(["user:first", "assistant:ok", "user:second"], Texts(model.Requests[1]));
        Assert.Equal(["user:third"], Texts(model.Requests[2]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithSession_with_session_memory_turned_off_fails_instead_of_forgetting(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        var services = new ServiceCollection();
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi(o => o.SessionMemory.Enabled = false);
        using ServiceProvider provider = services.BuildServiceProvider();

        SessionMemoryException error = await Assert.ThrowsAsync<SessionMemoryException>(() =>
            provider.GetRequiredService<IChatClient>().AskAsync("hi", Session("acme", "u1", "s1"), streaming));

        Assert.Contains("Enabled is false", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.CallCount);
        Assert.Equal("ok", (await provider.GetRequiredService<IChatClient>().AskAsync("hi", new ChatOptions().WithTenant("acme", "u1"), streaming)).Text);
    }

    [Fact]
    public async Task ForgetUser_erases_every_session_of_the_user_and_ForgetSession_only_one()
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        var services = new ServiceCollection();
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi();
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        ISessionMemory memory = provider.GetRequiredService<ISessionMemory>();
        foreach ((string tenant, string user, string session) in new[] { ("acme", "u1", "a"), ("acme", "u1", "b"), ("acme", "u2", "a"), ("globex", "u1", "a") })
        {
            await client.GetResponseAsync("hi", Session(tenant, user, session));
        }

        await memory.ForgetUserAsync("acme", "u1");
        await memory.ForgetSessionAsync("globex", "u1", "a");
        await client.GetResponseAsync("again", Session("acme", "u1", "a"));

        Assert.Equal(["user:again"], Texts(model.Requests[^1]));
        Assert.Equal(2, (await memory.GetHistoryAsync("acme", "u1", "a")).Count);
        Assert.Empty(await memory.GetHistoryAsync("acme", "u1", "b"));
        Assert.Equal(2, (await memory.GetHistoryAsync("acme", "u2", "a")).Count);
        Assert.Empty(await memory.GetHistoryAsync("globex", "u1", "a"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reducer_summarises_the_turns_MaxTokens_drops(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("an answer of a handful of tokens"));
        var reducer = new CountingReducer();
        using ServiceProvider provider = Governed(model, o => o.SummarizeDroppedTurns(reducer).MaxTokens = 60);
        IChatClient client = provider.GetRequiredService<IChatClient>();
        for (int i = 0; i < 6; i++)
        {
            await client.AskAsync($"question {i} with some words", Session("acme", "u1", "s1"), streaming);
        }

        IReadOnlyList<ChatMessage> sent = model.Requests[^1].Messages;
        Assert.StartsWith("Summary of ", sent[0].Text, StringComparison.Ordinal);
        Assert.Equal(ChatRole.User, sent[1].Role);
        Assert.Equal("question 5 with some words", sent[^1].Text);
        Assert.Equal("question 0 with some words", reducer.LastInput![0].Text);
    }

    [Fact]
    public void Invalid_options_fail_at_start_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddChatClient(new ScriptedChatClient());
        services.AddGovernedAi().AddSessionMemory(o => { o.MaxTokens = 0; o.IdleTimeout = TimeSpan.Zero; });
        using ServiceProvider provider = services.BuildServiceProvider();

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("GovernedAi:SessionMemory:MaxTokens", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("GovernedAi:SessionMemory:IdleTimeout", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void WithSession_refuses_an_empty_id(string id) =>
        Assert.ThrowsAny<ArgumentException>(() => new ChatOptions().WithSession(id));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unicode_and_lone_surrogates_in_ids_and_text_round_trip_and_stay_isolated(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("répondu 👍"));
        using ServiceProvider provider = Governed(model);
        IChatClient client = provider.GetRequiredService<IChatClient>();
        string odd = "sess\uD800ion:{x}|ü";

        await client.AskAsync("héllo \uDC00 wörld", Session("t:1", "ü{1}", odd), streaming);
        await client.AskAsync("next", Session("t:1", "ü{1}", odd), streaming);
        await client.AskAsync("next", Session("t", "1:ü{1}", odd), streaming);

        Assert.Equal(3, model.Requests[1].Messages.Count);
        Assert.Equal("assistant:répondu 👍", Texts(model.Requests[1])[1]);
        Assert.Single(model.Requests[2].Messages);
    }

    private sealed class Sink : IAuditSink
    {
        private readonly ConcurrentQueue<DecisionRecord> _records = new();

        public IReadOnlyList<DecisionRecord> Records => _records.ToArray();

        public void Write(DecisionRecord record) => _records.Enqueue(record);
    }

    private sealed class CountingReducer : IChatReducer
    {
        public IReadOnlyList<ChatMessage>? LastInput { get; private set; }

        public Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
        {
            LastInput = messages.ToList();
            return Task.FromResult<IEnumerable<ChatMessage>>([new ChatMessage(ChatRole.Assistant, $"Summary of {LastInput.Count} messages.")]);
        }
    }
}

internal static class ChatOptionsToolExtensions
{
    public static ChatOptions WithTools(this ChatOptions options, params AITool[] tools)
    {
        options.Tools = tools;
        return options;
    }
}
