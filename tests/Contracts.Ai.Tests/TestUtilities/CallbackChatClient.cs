using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.TestUtilities;

/// <summary>An inner client whose behaviour each test supplies as callbacks.</summary>
internal sealed class CallbackChatClient : IChatClient
{
    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? OnGetResponse { get; init; }

    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? OnGetStreamingResponse { get; init; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        OnGetResponse!(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        OnGetStreamingResponse!(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> Stream(Func<Task<ChatResponse>> produce, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await produce();
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return update;
        }
    }
}
