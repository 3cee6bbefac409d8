using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Contracts.Ai.Tests.Idempotency;

public class RequestIdempotencyChatClientTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static ChatMessage[] Ask(string text = "Summarise order 42") => [new(ChatRole.User, text)];

    private static ChatOptions Keyed(string key = "req-1", string tenant = "tenant-a") =>
        new ChatOptions().WithTenant(tenant).WithIdempotencyKey(key);

    private static Task<ChatResponse> SendAsync(IChatClient client, bool streaming, IEnumerable<ChatMessage> messages, ChatOptions? options) =>
        client.AskAsync(messages, options, streaming);

    private RequestIdempotencyChatClient Create(IChatClient inner, IdempotencyOptions? options = null, IIdempotencyStore? store = null) =>
        new(inner, options, store ?? new InMemoryIdempotencyStore(100, _time), _time);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repeated_request_replays_the_stored_response_without_calling_the_model(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Order 42 was refunded."), ScriptedTurn.Reply("A second, different answer."));
        using IChatClient client = Create(model);

        ChatResponse first = await SendAsync(client, streaming, Ask(), Keyed());
        ChatResponse repeat = await SendAsync(client, streaming, Ask(), Keyed());

        Assert.Equal(1, model.CallCount);
        Assert.Equal("Order 42 was refunded.", first.Text);
        Assert.Equal(first.Text, repeat.Text);
        Assert.Equal(first.ResponseId, repeat.ResponseId);
        Assert.Equal(first.ModelId, repeat.ModelId);
        Assert.Equal(first.FinishReason, repeat.FinishReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tool_calls_and_usage_survive_the_replay(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.CallTool("refund_order", new Dictionary<string, object?> { ["orderId"] = 42 }, "call-1").WithUsage(10, 5));
        using IChatClient client = Create(model);

        ChatResponse first = await SendAsync(client, streaming, Ask(), Keyed());
        ChatResponse repeat = await SendAsync(client, streaming, Ask(), Keyed());

        FunctionCallContent call = Assert.Single(repeat.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("refund_order", call.Name);
        Assert.Equal("call-1", call.CallId);
        Assert.Equal("42", call.Arguments!["orderId"]!.ToString());
        Assert.Equal(first.Usage?.TotalTokenCount, repeat.Usage?.TotalTokenCount);
        Assert.Equal(15, repeat.Usage?.TotalTokenCount);
        Assert.Equal(1, model.CallCount);
    }

    [Fact]
    public async Task A_streamed_response_replays_to_a_non_streaming_repeat_and_back()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("one two three"));
        using IChatClient client = Create(model);

        ChatResponse streamed = await SendAsync(client, streaming: true, Ask(), Keyed());
        ChatResponse replayed = await SendAsync(client, streaming: false, Ask(), Keyed());
        ChatResponse replayedStreaming = await SendAsync(client, streaming: true, Ask(), Keyed());

        Assert.Equal(1, model.CallCount);
        Assert.Equal("one two three", streamed.Text);
        Assert.Equal("one two three", replayed.Text);
        Assert.Equal("one two three", replayedStreaming.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_span_outcome_says_executed_then_replayed(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("ok"));
        using IChatClient client = Create(model);
        var firstCall = new GovernedCall { IsObserved = true };
        var secondCall = new GovernedCall { IsObserved = true };
        ChatOptions first = Keyed(), second = Keyed();

        GovernedCall.Current = firstCall;
        await SendAsync(client, streaming, Ask(), first);
        GovernedCall.Current = secondCall;
        await SendAsync(client, streaming, Ask(), second);

        Assert.Equal("executed", firstCall.Record!.Idempotency?.Outcome);
        Assert.Equal("replayed", secondCall.Record!.Idempotency?.Outcome);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Another_tenant_with_the_same_key_gets_its_own_answer(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("for tenant a"), ScriptedTurn.Reply("for tenant b"));
        using IChatClient client = Create(model);

        ChatResponse a = await SendAsync(client, streaming, Ask(), Keyed(tenant: "tenant-a"));
        ChatResponse b = await SendAsync(client, streaming, Ask(), Keyed(tenant: "tenant-b"));

        Assert.Equal(2, model.CallCount);
        Assert.Equal("for tenant a", a.Text);
        Assert.Equal("for tenant b", b.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_same_key_with_other_messages_or_options_is_a_conflict_and_the_model_is_not_called(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("first"), ScriptedTurn.Reply("never"), ScriptedTurn.Reply("never"));
        using IChatClient client = Create(model);
        await SendAsync(client, streaming, Ask(), Keyed());

        await Assert.ThrowsAsync<IdempotencyConflictException>(() => SendAsync(client, streaming, Ask("Summarise order 43"), Keyed()));
        ChatOptions hotter = Keyed();
        hotter.Temperature = 0.9f;
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => SendAsync(client, streaming, Ask(), hotter));

        Assert.Equal(1, model.CallCount);
    }

    [Fact]
    public async Task Message_ids_and_timestamps_are_not_part_of_the_payload()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("ok"));
        using IChatClient client = Create(model);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi") { MessageId = "m1", CreatedAt = DateTimeOffset.UnixEpoch }], Keyed());
        ChatResponse repeat = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi") { MessageId = "m2", CreatedAt = DateTimeOffset.UtcNow }], Keyed());

        Assert.Equal("ok", repeat.Text);
        Assert.Equal(1, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requests_without_a_key_always_call_the_model(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("a"), ScriptedTurn.Reply("b"));
        using IChatClient client = Create(model);

        await SendAsync(client, streaming, Ask(), new ChatOptions().WithTenant("tenant-a"));
        await SendAsync(client, streaming, Ask(), null);

        Assert.Equal(2, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_request_stores_nothing_so_the_retry_calls_the_model(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Fail(new HttpRequestException("503")), ScriptedTurn.Reply("second try"));
        using IChatClient client = Create(model);

        await Assert.ThrowsAsync<HttpRequestException>(() => SendAsync(client, streaming, Ask(), Keyed()));
        ChatResponse retry = await SendAsync(client, streaming, Ask(), Keyed());

        Assert.Equal("second try", retry.Text);
        Assert.Equal(2, model.CallCount);
    }

    [Fact]
    public async Task An_abandoned_stream_stores_nothing_so_the_retry_calls_the_model()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("one two three"), ScriptedTurn.Reply("again"));
        using IChatClient client = Create(model);

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Ask(), Keyed()))
        {
            break;
        }

        ChatResponse retry = await SendAsync(client, streaming: true, Ask(), Keyed());
        Assert.Equal("again", retry.Text);
        Assert.Equal(2, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repeat_while_the_first_is_running_waits_and_replays(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("slow answer").WithDelay(TimeSpan.FromMilliseconds(300)));
        var options = new IdempotencyOptions { PollInterval = TimeSpan.FromMilliseconds(10), InProgressWait = TimeSpan.FromMinutes(1) };
        using IChatClient client = new RequestIdempotencyChatClient(model, options);

        Task<ChatResponse> first = SendAsync(client, streaming, Ask(), Keyed());
        while (model.CallCount == 0)
        {
            await Task.Delay(5);
        }

        ChatResponse repeat = await SendAsync(client, streaming, Ask(), Keyed());

        Assert.Equal("slow answer", repeat.Text);
        Assert.Equal("slow answer", (await first).Text);
        Assert.Equal(1, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repeat_while_the_first_is_running_gives_up_after_the_wait(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("late").WithDelay(TimeSpan.FromMinutes(10)));
        var options = new IdempotencyOptions { InProgressWait = TimeSpan.Zero };
        using var cancel = new CancellationTokenSource();
        using IChatClient client = Create(model, options);
        Task first = client.GetResponseAsync(Ask(), Keyed(), cancel.Token);
        while (model.CallCount == 0)
        {
            await Task.Delay(5);
        }

        await Assert.ThrowsAsync<IdempotencyInProgressException>(() => SendAsync(client, streaming, Ask(), Keyed()));

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(1, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unavailable_store_fails_closed_without_calling_the_model(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("never"));
        using IChatClient client = Create(model, store: new UnavailableStore());

        await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(() => SendAsync(client, streaming, Ask(), Keyed()));

        Assert.Equal(0, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unavailable_store_with_fail_open_calls_the_model(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("unprotected"));
        using IChatClient client = Create(model, new IdempotencyOptions { OnStoreUnavailable = IdempotencyFailureMode.FailOpen }, new UnavailableStore());

        ChatResponse response = await SendAsync(client, streaming, Ask(), Keyed());

        Assert.Equal("unprotected", response.Text);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_their_configuration_path()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new ChatClientBuilder(new ScriptedChatClient()).UseRequestIdempotency(o => o.LeaseDuration = TimeSpan.FromSeconds(-1)));

        Assert.Contains("GovernedAi:Idempotency:LeaseDuration", error.Message, StringComparison.Ordinal);
    }

    private sealed class UnavailableStore : IIdempotencyStore
    {
        public ValueTask<IdempotencyBeginResult> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default) =>
            throw new IdempotencyStoreUnavailableException("down");

        public ValueTask<bool> CompleteAsync(string key, string leaseId, ReadOnlyMemory<byte> result, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            throw new IdempotencyStoreUnavailableException("down");

        public ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default) =>
            throw new IdempotencyStoreUnavailableException("down");
    }
}
