using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.TestUtilities;

internal static class ChatClientTestExtensions
{
    /// <summary>Asks through the streaming or the non-streaming path and returns the assembled response.</summary>
    public static async Task<ChatResponse> AskAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken = default)
    {
        if (!streaming)
        {
            return await client.GetResponseAsync(messages, options, cancellationToken);
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates.ToChatResponse();
    }

    public static Task<ChatResponse> AskAsync(this IChatClient client, string question, ChatOptions? options, bool streaming, CancellationToken cancellationToken = default) =>
        client.AskAsync([new ChatMessage(ChatRole.User, question)], options, streaming, cancellationToken);
}
