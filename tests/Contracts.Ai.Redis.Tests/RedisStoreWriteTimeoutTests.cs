using System.Diagnostics;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Contracts.Ai.Redis.Tests;

/// <summary>A call that has completed is not held up by a Redis that died under it: the store write is bounded.</summary>
public sealed class RedisStoreWriteTimeoutTests
{
    private static ChatOptions Keyed(string key) => new ChatOptions().WithTenant("tenant-a").WithIdempotencyKey(key);

    /// <summary>A connection with the client's defaults (commands queue while reconnecting, 5 s timeout), as most apps have.</summary>
    private static ConnectionMultiplexer DefaultConnection(RedisServer server) =>
        ConnectionMultiplexer.Connect($"127.0.0.1:{server.Port},abortConnect=false");

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, 300)]
    [InlineData(true, 300)]
    public async Task Redis_killed_during_the_call_delays_its_answer_by_at_most_the_store_write_timeout(bool streaming, int? timeoutMs)
    {
        using var server = new RedisServer();
        using ConnectionMultiplexer connection = DefaultConnection(server);
        var clock = new Stopwatch();
        var model = new ScriptedChatClient(_ =>
        {
            server.Kill(); // Redis dies while the model answers: the claim was made, the completion cannot be stored
            clock.Start(); // from the model's answer to the caller's
            return ScriptedTurn.Reply("refunded");
        });
        var options = new IdempotencyOptions();
        if (timeoutMs is int ms)
        {
            options.StoreWriteTimeout = TimeSpan.FromMilliseconds(ms);
        }

        using IChatClient client = new RequestIdempotencyChatClient(model, options, new RedisIdempotencyStore(connection));
        ChatResponse response = streaming
            ? await client.GetStreamingResponseAsync("refund order 42", Keyed("k")).ToChatResponseAsync()
            : await client.GetResponseAsync("refund order 42", Keyed("k"));

        clock.Stop();
        Assert.Equal("refunded", response.Text);
        Assert.Equal(1, model.CallCount);

        // StackExchange.Redis alone would hold the call for its 5 s timeout; the default bound is 1 s.
        Assert.True(clock.Elapsed < options.StoreWriteTimeout + TimeSpan.FromSeconds(2.5), $"the completed call waited {clock.Elapsed} on a dead store");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(600_000)]
    public void A_store_write_timeout_out_of_range_is_refused_naming_the_option(int milliseconds)
    {
        var options = new IdempotencyOptions { StoreWriteTimeout = TimeSpan.FromMilliseconds(milliseconds) };

        var ex = Assert.Throws<OptionsValidationException>(() => new RequestIdempotencyChatClient(new ScriptedChatClient(), options));

        Assert.Contains("StoreWriteTimeout", ex.Message);
    }

    [Fact]
    public void The_default_store_write_timeout_is_one_second() =>
        Assert.Equal(TimeSpan.FromSeconds(1), new IdempotencyOptions().StoreWriteTimeout);
}
