using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Quickstart;

/// <summary>Remembers the messages of each call that reaches the model, so the quickstart can show what a re-ask sent back.</summary>
internal sealed class ModelCallRecorder(IChatClient inner) : DelegatingChatClient(inner)
{
    private readonly List<IReadOnlyList<ChatMessage>> _calls = [];

    /// <summary>Gets the messages of each model call since the last <see cref="Clear"/>, in order.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> Calls
    {
        get
        {
            lock (_calls)
            {
                return _calls.ToArray();
            }
        }
    }

    public void Clear()
    {
        lock (_calls)
        {
            _calls.Clear();
        }
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Record(messages);
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Record(messages);
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            yield return update;
        }
    }

    private void Record(IEnumerable<ChatMessage> messages)
    {
        var copy = messages.ToList();
        lock (_calls)
        {
            _calls.Add(copy);
        }
    }
}
