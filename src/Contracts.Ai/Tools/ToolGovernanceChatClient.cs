using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Wraps every AIFunction in ChatOptions.Tools in a GovernedAIFunction: argument validation, timeout, idempotency, strict output parsing, size cap and screening.</summary>
/// <remarks>A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseToolGovernance()</c> or as part of <c>UseGovernedAi()</c>.</remarks>
public sealed class ToolGovernanceChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="ToolGovernanceChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    public ToolGovernanceChatClient(IChatClient innerClient, ToolGovernanceOptions? options = null)
        : base(innerClient)
    {
        Options = options ?? new ToolGovernanceOptions();
    }

    /// <summary>Gets the stage's options.</summary>
    public ToolGovernanceOptions Options { get; }
}
