using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using StackExchange.Redis;

namespace Contracts.Ai.Redis.Tests;

/// <summary>Request idempotency across app instances that share one Redis, and what happens when Redis dies.</summary>
public sealed class RedisRequestIdempotencyTests : IClassFixture<RedisServer>
{
    private readonly RedisServer _server;

    public RedisRequestIdempotencyTests(RedisServer server)
    {
        _server = server;
    }

    private static ChatMessage[] Ask() => [new(ChatRole.User, "Refund order 42")];

    private static ChatOptions Keyed(string key) => new ChatOptions().WithTenant("tenant-a").WithIdempotencyKey(key);

    private static IChatClient Instance(IChatClient model, IConnectionMultiplexer connection, IdempotencyOptions options) =>
        new RequestIdempotencyChatClient(model, options, new RedisIdempotencyStore(connection));

    private static async Task<ChatResponse> SendAsync(IChatClient client, bool streaming, string key)
    {
        if (!streaming)
        {
            return await client.GetResponseAsync(Ask(), Keyed(key));
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Ask(), Keyed(key)))
        {
            updates.Add(update);
        }

        return updates.ToChatResponse();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_thousand_concurrent_duplicates_on_two_app_instances_call_the_model_once(bool streaming)
    {
        var options = new IdempotencyOptions { InProgressWait = TimeSpan.FromMinutes(2), PollInterval = TimeSpan.FromMilliseconds(20) };
        var model = new ScriptedChatClient(ScriptedTurn.Reply("refunded once").WithDelay(TimeSpan.FromMilliseconds(200)));
        using ConnectionMultiplexer first = _server.Connect();
        using ConnectionMultiplexer second = _server.Connect();
        using IChatClient instanceA = Instance(model, first, options);
        using IChatClient instanceB = Instance(model, second, options);
        string key = Guid.NewGuid().ToString("N");

        ChatResponse[] responses = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i =>
            Task.Run(() => SendAsync(i % 2 == 0 ? instanceA : instanceB, streaming, key))));

        Assert.Equal(1, model.CallCount);
        Assert.All(responses, r => Assert.Equal("refunded once", r.Text));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repeat_on_another_instance_replays_and_a_conflicting_payload_is_refused(bool streaming)
    {
        var options = new IdempotencyOptions();
        var model = new ScriptedChatClient(ScriptedTurn.Reply("done"), ScriptedTurn.Reply("never"));
        using ConnectionMultiplexer first = _server.Connect();
        using ConnectionMultiplexer second = _server.Connect();
        using IChatClient instanceA = Instance(model, first, options);
        using IChatClient instanceB = Instance(model, second, options);
        string key = Guid.NewGuid().ToString("N");

        await SendAsync(instanceA, streaming, key);
        ChatResponse replayed = await SendAsync(instanceB, streaming, key);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => instanceB.GetResponseAsync([new ChatMessage(ChatRole.User, "Refund order 43")], Keyed(key)));

        Assert.Equal("done", replayed.Text);
        Assert.Equal(1, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Killing_redis_fails_closed_by_default_and_never_calls_the_model_twice(bool streaming)
    {
        using var server = new RedisServer();
        var model = new ScriptedChatClient(ScriptedTurn.Reply("done"), ScriptedTurn.Reply("twice!"));
        using ConnectionMultiplexer connection = server.Connect();
        using IChatClient client = Instance(model, connection, new IdempotencyOptions());
        await SendAsync(client, streaming, "k");

        server.Kill();

        await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(() => SendAsync(client, streaming, "k"));
        Assert.Equal(1, model.CallCount);
    }

    [Fact]
    public async Task Killing_redis_while_duplicates_wait_gives_them_the_typed_error_and_the_model_runs_once()
    {
        using var server = new RedisServer();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = new ScriptedChatClient(_ =>
        {
            release.Task.Wait();
            return ScriptedTurn.Reply("done");
        });
        using ConnectionMultiplexer first = server.Connect();
        using ConnectionMultiplexer second = server.Connect();
        var options = new IdempotencyOptions { InProgressWait = TimeSpan.FromMinutes(2), PollInterval = TimeSpan.FromMilliseconds(20) };
        using IChatClient instanceA = Instance(model, first, options);
        using IChatClient instanceB = Instance(model, second, options);

        Task<ChatResponse> running = Task.Run(() => instanceA.GetResponseAsync(Ask(), Keyed("k")));
        while (model.CallCount == 0)
        {
            await Task.Delay(5);
        }

        Task<ChatResponse>[] waiting = Enumerable.Range(0, 50).Select(i => Task.Run(() => (i % 2 == 0 ? instanceA : instanceB).GetResponseAsync(Ask(), Keyed("k")))).ToArray();
        await Task.Delay(100);
        server.Kill();
        foreach (Task<ChatResponse> duplicate in waiting)
        {
            await Assert.ThrowsAsync<IdempotencyStoreUnavailableException>(() => duplicate);
        }

        release.SetResult();
        Assert.Equal("done", (await running).Text);
        Assert.Equal(1, model.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Killing_redis_with_fail_open_calls_the_model_without_protection(bool streaming)
    {
        using var server = new RedisServer();
        var model = new ScriptedChatClient(ScriptedTurn.Reply("first"), ScriptedTurn.Reply("unprotected"));
        using ConnectionMultiplexer connection = server.Connect();
        using IChatClient client = Instance(model, connection, new IdempotencyOptions { OnStoreUnavailable = IdempotencyFailureMode.FailOpen });
        await SendAsync(client, streaming, "k");

        server.Kill();
        ChatResponse response = await SendAsync(client, streaming, "k");

        Assert.Equal("unprotected", response.Text);
        Assert.Equal(2, model.CallCount);
    }
}
