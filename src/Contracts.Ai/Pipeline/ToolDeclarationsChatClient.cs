using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Keeps the app's own <see cref="FunctionInvokingChatClient"/> (below the governed tool loop) from running the
/// request's tools: the model's tool calls go back to the governed loop, which runs them governed and makes the
/// next, budgeted, model call.
/// </summary>
/// <remarks>
/// <para>
/// The functions are handed down as declarations only (name, description and schema, nothing to invoke): MEAI's loop
/// ends its own iteration and returns the response when the model calls a tool it can only declare, and nothing
/// below it can run a tool ungoverned. A governed tool's declaration is made once per original function and kept as
/// long as that function lives. The provider sees the same declarations as without governance.
/// </para>
/// <para>
/// When the app's client is MEAI's loop itself (<c>AddChatClient(x).UseFunctionInvocation()</c>,
/// <c>UseGovernedAi().UseFunctionInvocation()</c>), that loop, handed declarations only, could do nothing but relay:
/// the model calls go straight to the client it wraps. With no loop left below to relay, they carry the options as the
/// governed loop handed them, governed tools only, as over a client without a loop of its own; declarations are made
/// only when a loop still runs below (a derived one, or one further down). The stage still answers
/// <see cref="IChatClient.GetService"/> as part of the pipeline.
/// </para>
/// </remarks>
internal sealed class ToolDeclarationsChatClient : DelegatingChatClient
{
    private static readonly ConditionalWeakTable<AIFunction, AIFunctionDeclaration> Declarations = new();

    // Where the model calls go: below the app's loop when it is MEAI's own (whose relaying is known; a derived loop may do more on the way).
    private readonly IChatClient _next;

    // Whether a loop still runs below (a derived one, or one deeper down): only a loop needs the tools as declarations to relay.
    private readonly bool _declares;

    public ToolDeclarationsChatClient(IChatClient innerClient)
        : base(innerClient)
    {
        _next = innerClient.GetType() == typeof(FunctionInvokingChatClient) ? InnerClientOf((FunctionInvokingChatClient)innerClient) : innerClient;
        _declares = _next.GetService(typeof(FunctionInvokingChatClient)) is not null;
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _next.GetResponseAsync(messages, _declares ? Declare(options) : options, cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _next.GetStreamingResponseAsync(messages, _declares ? Declare(options) : options, cancellationToken);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_InnerClient")]
    private static extern IChatClient InnerClientOf(DelegatingChatClient client);

    /// <summary>
    /// A copy of <paramref name="options"/> whose functions are declarations only, or the options themselves when they
    /// hold no function. Always a copy, never the call's own options changed for the model call and put back after it:
    /// whatever holds on to the options it was given (a provider, a test double, a middleware below) keeps declarations only.
    /// </summary>
    private static ChatOptions? Declare(ChatOptions? options)
    {
        if (Declared(options?.Tools) is not { } declared)
        {
            return options;
        }

        return ChatOptionsCopy.With(options!, declared, options!.AdditionalProperties?.Clone());
    }

    /// <summary>The tools with every function as a declaration only; <see langword="null"/> when they hold no function.</summary>
    private static List<AITool>? Declared(IList<AITool>? tools)
    {
        if (tools is not { Count: > 0 })
        {
            return null;
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

            declared.Add(DeclarationOf(function));
        }

        return declared;
    }

    /// <summary>
    /// The declaration of a governed tool is its original function's (the same name, description and schemas), made
    /// once per original function, so a governed wrapper made for this request costs none; any other function is declared as it is.
    /// </summary>
    private static AIFunctionDeclaration DeclarationOf(AIFunction function) =>
        function is GovernedAIFunction governed
            ? Declarations.GetValue(governed.Inner, static inner => inner.AsDeclarationOnly())
            : function.AsDeclarationOnly();
}
