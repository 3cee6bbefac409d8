using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Hands the request's functions to the app's client as declarations only (name, description and schema,
/// nothing to invoke), so that a <see cref="FunctionInvokingChatClient"/> inside the app's client returns
/// the model's tool calls to the governed tool loop instead of running them itself.
/// </summary>
/// <remarks>
/// MEAI's loop ends its own iteration and returns the response when the model calls a tool it can only
/// declare; the governed loop above then runs the governed tool and makes the next, budgeted, model call.
/// The provider sees the same declarations as before.
/// </remarks>
internal sealed class ToolDeclarationsChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(messages, Declare(options), cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, Declare(options), cancellationToken);

    private static ChatOptions? Declare(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools)
        {
            return options;
        }

        List<AITool>? declared = null;
        for (int i = 0; i < tools.Count; i++)
        {
            if (tools[i] is not AIFunction function)
            {
                declared?.Add(tools[i]);
                continue;
            }

            if (declared is null)
            {
                declared = new List<AITool>(tools.Count);
                for (int j = 0; j < i; j++)
                {
                    declared.Add(tools[j]);
                }
            }

            declared.Add(function.AsDeclarationOnly());
        }

        if (declared is null)
        {
            return options;
        }

        ChatOptions copy = options.Clone();
        copy.Tools = declared;
        return copy;
    }
}
