using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Picks the contract version or variant a request runs on: label, A/B split, canary or shadow.</summary>
/// <remarks>A stage of the governed pipeline; add it with <c>ChatClientBuilder.UsePromptRouting()</c> or as part of <c>UseGovernedAi()</c>.</remarks>
public sealed class PromptRoutingChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="PromptRoutingChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    public PromptRoutingChatClient(IChatClient innerClient, PromptRoutingOptions? options = null)
        : base(innerClient)
    {
        Options = options ?? new PromptRoutingOptions();
    }

    /// <summary>Gets the stage's options.</summary>
    public PromptRoutingOptions Options { get; }
}
