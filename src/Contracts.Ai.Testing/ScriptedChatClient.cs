using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Testing;

/// <summary>
/// A deterministic <see cref="IChatClient"/> that answers from a script: each request takes the
/// next <see cref="ScriptedTurn"/>, or asks a responder function. It records the requests it
/// received (every one by default; see <see cref="RequestHistoryLimit"/>). Use it to test governed
/// calls without a model, key or network.
/// </summary>
/// <remarks>Safe to call from many threads; turns are taken in the order requests arrive.</remarks>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly ConcurrentQueue<ScriptedTurn> _turns = new();
    private readonly ConcurrentQueue<ScriptedRequest> _requests = new();
    private readonly Func<ScriptedRequest, ScriptedTurn>? _responder;
    private int _served;
    private int _recorded;
    private int? _requestHistoryLimit;

    /// <summary>Initializes a new instance of the <see cref="ScriptedChatClient"/> class with turns to answer in order.</summary>
    /// <param name="turns">The turns.</param>
    public ScriptedChatClient(params ScriptedTurn[] turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        foreach (ScriptedTurn turn in turns)
        {
            Enqueue(turn);
        }
    }

    /// <summary>Initializes a new instance of the <see cref="ScriptedChatClient"/> class that asks <paramref name="responder"/> for each answer once the queued turns are used up.</summary>
    /// <param name="responder">Chooses the turn for a request.</param>
    public ScriptedChatClient(Func<ScriptedRequest, ScriptedTurn> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        _responder = responder;
    }

    /// <summary>Gets or sets the model id reported when a turn names none.</summary>
    /// <value>Defaults to <c>scripted-model</c>.</value>
    public string ModelId { get; set; } = "scripted-model";

    /// <summary>Gets the requests received so far, in order (the newest <see cref="RequestHistoryLimit"/> when one is set).</summary>
    public IReadOnlyList<ScriptedRequest> Requests => _requests.ToArray();

    /// <summary>Gets or sets how many of the newest requests <see cref="Requests"/> keeps.</summary>
    /// <value>
    /// Defaults to <see langword="null"/>: every request is kept, which suits a test. A long-running
    /// service or a benchmark on the scripted model sets a bound (or 0 to keep none), so the history
    /// does not grow with every call. <see cref="CallCount"/> counts every request either way.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? RequestHistoryLimit
    {
        get => _requestHistoryLimit;
        set
        {
            if (value is int limit)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(limit, nameof(RequestHistoryLimit));
            }

            _requestHistoryLimit = value;
        }
    }

    /// <summary>Gets the number of requests answered or failed so far.</summary>
    public int CallCount => Volatile.Read(ref _served);

    /// <summary>Adds a turn to the end of the script.</summary>
    /// <param name="turn">The turn.</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient Enqueue(ScriptedTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        _turns.Enqueue(turn);
        return this;
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ScriptedTurn turn = await NextAsync(messages, options, streaming: false, cancellationToken).ConfigureAwait(false);
        var message = new ChatMessage(ChatRole.Assistant, BuildContents(turn)) { MessageId = ScriptedIds.Next() };
        return new ChatResponse(message)
        {
            ModelId = turn.ModelId ?? options?.ModelId ?? ModelId,
            Usage = turn.Usage,
            FinishReason = turn.ToolCalls.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            ResponseId = ScriptedIds.Next(),
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ScriptedTurn turn = await NextAsync(messages, options, streaming: true, cancellationToken).ConfigureAwait(false);
        string responseId = ScriptedIds.Next();
        string messageId = ScriptedIds.Next();
        string modelId = turn.ModelId ?? options?.ModelId ?? ModelId;
        foreach (string chunk in SplitText(turn.Text, turn.Chunks))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk) { ResponseId = responseId, MessageId = messageId, ModelId = modelId };
            await Task.Yield();
        }

        var tail = new List<AIContent>(turn.ToolCalls);
        if (turn.Usage is not null)
        {
            tail.Add(new UsageContent(turn.Usage));
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, tail)
        {
            ResponseId = responseId,
            MessageId = messageId,
            ModelId = modelId,
            FinishReason = turn.ToolCalls.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this
            : serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", defaultModelId: ModelId)
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Record(ScriptedRequest request)
    {
        int? limit = _requestHistoryLimit;
        if (limit == 0)
        {
            return;
        }

        _requests.Enqueue(request);
        if (Interlocked.Increment(ref _recorded) > limit && _requests.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _recorded);
        }
    }

    private async Task<ScriptedTurn> NextAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var request = new ScriptedRequest(messages.ToList(), options, streaming);
        Record(request);
        int number = Interlocked.Increment(ref _served);
        ScriptedTurn turn = _turns.TryDequeue(out ScriptedTurn? next) ? next
            : _responder is not null ? _responder(request)
            : throw new InvalidOperationException($"ScriptedChatClient has no turn left for request {number}: the script held {number - 1} turn(s). Enqueue more turns or pass a responder.");
        if (turn.Delay > TimeSpan.Zero)
        {
            await Task.Delay(turn.Delay, cancellationToken).ConfigureAwait(false);
        }

        if (turn.Failure is not null)
        {
            throw turn.Failure;
        }

        return turn;
    }

    private static List<AIContent> BuildContents(ScriptedTurn turn)
    {
        var contents = new List<AIContent>(turn.ToolCalls.Count + 1);
        if (turn.Text is not null)
        {
            contents.Add(new TextContent(turn.Text));
        }

        contents.AddRange(turn.ToolCalls);
        return contents;
    }

    private static IEnumerable<string> SplitText(string? text, int? chunks)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        if (chunks is int n)
        {
            int size = (int)Math.Ceiling(text.Length / (double)n);
            for (int i = 0; i < text.Length; i += size)
            {
                yield return text.Substring(i, Math.Min(size, text.Length - i));
            }

            yield break;
        }

        int start = 0;
        for (int i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ' ' && i > start))
            {
                yield return text[start..i];
                start = i;
            }
        }
    }
}
