using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.TestUtilities;

internal static class ChatClientTestExtensions
{
    /// <summary>Asks through the streaming or the non-streaming path and returns the assembled response.</summary>
    public static async Task<ChatResponse> AskAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken = default) =>
        streaming
            ? await client.GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken)
            : await client.GetResponseAsync(messages, options, cancellationToken);

    public static Task<ChatResponse> AskAsync(this IChatClient client, string question, ChatOptions? options, bool streaming, CancellationToken cancellationToken = default) =>
        client.AskAsync([new ChatMessage(ChatRole.User, question)], options, streaming, cancellationToken);
}
