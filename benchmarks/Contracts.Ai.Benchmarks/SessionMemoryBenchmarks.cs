using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// Session memory in memory: what a request continuing a 200-turn session pays to load its history and remember its turn
/// (budget: load + append &lt;= 20 us besides counting the new text). The new turn is the same short text each time, so
/// its token count and PII scan are cheap cache hits; the inner model answers at once.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SessionMemoryBenchmarks
{
    private const int Turns = 200;

    private readonly ChatMessage[] _newTurn = [new ChatMessage(ChatRole.User, "And when will it arrive?")];
    private readonly ChatOptions _session = new ChatOptions().WithTenant("acme", "u1").WithSession("s1");
    private readonly ChatOptions _noSession = new ChatOptions().WithTenant("acme", "u1");
    private SessionMemoryChatClient _all = null!;
    private SessionMemoryChatClient _bounded = null!;
    private SessionMemoryChatClient _passThrough = null!;
    private SessionMemoryChatClient _oneTurn = null!;

    [GlobalSetup]
    public void Setup()
    {
        var answer = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Tomorrow before noon."));
        var model = new InstantChatClient(answer);
        _all = Create(model, maxTokens: 1_000_000, Turns);
        _bounded = Create(model, maxTokens: 4096, Turns);
        _passThrough = Create(model, maxTokens: 4096, Turns);
        _oneTurn = Create(model, maxTokens: 4096, turns: 1);
    }

    [Benchmark(Baseline = true, Description = "no session (stage passes through)")]
    public Task<ChatResponse> PassThrough() => _passThrough.GetResponseAsync(_newTurn, _noSession);

    // The fixed cost of a turn whatever the session's length: redacting and counting the new text, one store append.
    [Benchmark(Description = "1-turn session: load 1 + append (new text only)")]
    public Task<ChatResponse> OneTurnSession() => _oneTurn.GetResponseAsync(_newTurn, _session);

    [Benchmark(Description = "200-turn session: load all 200 + append")]
    public Task<ChatResponse> LoadAllAndAppend() => _all.GetResponseAsync(_newTurn, _session);

    [Benchmark(Description = "200-turn session: load newest 4,096 tokens + append")]
    public Task<ChatResponse> LoadBoundedAndAppend() => _bounded.GetResponseAsync(_newTurn, _session);

    private static SessionMemoryChatClient Create(IChatClient model, int maxTokens, int turns)
    {
        var options = new SessionMemoryOptions { MaxTokens = maxTokens, MaxTurns = turns };
        var client = new SessionMemoryChatClient(model, options, new InMemorySessionStore());
        ITokenCounter counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
        var cache = new TokenCountCache();
        var key = new SessionKey("acme", "u1", "s1");
        for (int i = 0; i < turns; i++)
        {
            ChatMessage[] messages =
            [
                new ChatMessage(ChatRole.User, $"Question {i}: my parcel {i} was due on Monday and the tracking page has not moved since the depot scan."),
                new ChatMessage(ChatRole.Assistant, $"Answer {i}: parcel {i} is at the regional depot; it should be delivered within two working days."),
            ];
            int tokens = cache.CountMessage(messages[0], counter, 0) + cache.CountMessage(messages[1], counter, 0);
            client.Store.AppendAsync(key, new SessionTurn(messages, tokens, counter.Encoding), turns, TimeSpan.FromDays(1)).AsTask().GetAwaiter().GetResult();
        }

        return client;
    }

    private sealed class InstantChatClient(ChatResponse answer) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(answer);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
