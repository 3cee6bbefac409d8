using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

public class ContractStreamingTests
{
    [Fact]
    public async Task PassThrough_YieldsTheFirstUpdateWhileTheModelIsStillAnswering()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new GatedStreamingClient(gate.Task, "{\"category\":", "\"billing\",\"priority\":2}");
        IChatClient client = Governed(inner, Registry(TicketContract()));

        await using IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync(Ask(), TicketOptions()).GetAsyncEnumerator();

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("{\"category\":", updates.Current.Text);
        Assert.False(inner.Finished);
        gate.SetResult();
        var rest = new List<string>();
        while (await updates.MoveNextAsync())
        {
            rest.Add(updates.Current.Text);
        }

        Assert.Equal("\"billing\",\"priority\":2}", string.Concat(rest));
    }

    [Fact]
    public async Task PassThrough_InvalidAnswer_YieldsEverythingThenThrowsAtTheEnd()
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("It is about billing I think").WithChunks(3).WithUsage(20, 7));
        IChatClient client = Governed(inner, Registry(TicketContract(onFailure: ContractFailurePolicy.Reask)));

        (ContractViolationException error, List<ChatResponseUpdate> updates) = await FailAsync(client, streaming: true, TicketOptions());

        Assert.Equal("It is about billing I think", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(new[] { "attempt 1: $: the answer contains no JSON value" }, error.Violations);
        Assert.Equal(27, error.Usage!.TotalTokenCount);
        Assert.Equal(1, inner.CallCount);
    }

    [Fact]
    public async Task PassThrough_ValidAnswer_StreamsUnchanged()
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply(ValidTicket).WithChunks(4));
        IChatClient client = Governed(inner, Registry(TicketContract()));

        (ChatResponse response, List<ChatResponseUpdate> updates) = await CallAsync(client, streaming: true, TicketOptions());

        Assert.True(updates.Count(u => u.Text.Length > 0) >= 4);
        Assert.Equal(ValidTicket, response.Text);
        Assert.IsType<ChatResponseFormatJson>(inner.Requests[0].Options!.ResponseFormat);
    }

    [Fact]
    public async Task Buffered_YieldsNothingUntilTheAnswerIsValidated()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new GatedStreamingClient(gate.Task, "{\"category\":", "\"billing\",\"priority\":2}");
        IChatClient client = Governed(inner, Registry(TicketContract()), o => o.BufferStreaming = true);

        await using IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync(Ask(), TicketOptions()).GetAsyncEnumerator();
        ValueTask<bool> first = updates.MoveNextAsync();
        await Task.Delay(50);

        Assert.False(first.IsCompleted);
        gate.SetResult();
        Assert.True(await first);
        var texts = new List<string> { updates.Current.Text };
        while (await updates.MoveNextAsync())
        {
            texts.Add(updates.Current.Text);
        }

        Assert.Equal(ValidTicket, string.Concat(texts));
        Assert.True(inner.Finished);
    }

    [Fact]
    public async Task Buffered_ReaskWorks_AndOnlyTheValidAnswerIsShown()
    {
        var inner = new ScriptedChatClient(
            ScriptedTurn.Reply("Billing, I would say.").WithChunks(3),
            ScriptedTurn.Reply("```json\n" + ValidTicket + "\n```").WithChunks(3));
        IChatClient client = Governed(inner, Registry(TicketContract(onFailure: ContractFailurePolicy.Reask)), o => o.BufferStreaming = true);

        (ChatResponse response, List<ChatResponseUpdate> updates) = await CallAsync(client, streaming: true, TicketOptions());

        Assert.Equal(2, inner.CallCount);
        Assert.True(inner.Requests.All(r => r.Streaming));
        Assert.Equal(ValidTicket, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ValidTicket, response.Text);
    }

    [Fact]
    public async Task Cancellation_StopsTheStream()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new GatedStreamingClient(gate.Task, "{", "}");
        IChatClient client = Governed(inner, Registry(TicketContract()));
        using var cts = new CancellationTokenSource();

        await using IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync(Ask(), TicketOptions(), cts.Token).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await updates.MoveNextAsync());
    }

    /// <summary>Streams its first chunk at once and the rest only after the gate opens.</summary>
    private sealed class GatedStreamingClient(Task gate, string first, string rest) : IChatClient
    {
        public bool Finished { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, first) { MessageId = "m1" };
            await gate.WaitAsync(cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, rest) { MessageId = "m1" };
            Finished = true;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
