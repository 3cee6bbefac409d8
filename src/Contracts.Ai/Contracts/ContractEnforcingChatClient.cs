using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Enforces the request's prompt contract: inputs, rendered prompt, tool allow-list, response format, output validation and the on-failure policy.</summary>
/// <remarks>A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseContracts()</c> or as part of <c>UseGovernedAi()</c>.</remarks>
public sealed class ContractEnforcingChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="ContractEnforcingChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    public ContractEnforcingChatClient(IChatClient innerClient, ContractOptions? options = null)
        : base(innerClient)
    {
        Options = options ?? new ContractOptions();
    }

    /// <summary>Gets the stage's options.</summary>
    public ContractOptions Options { get; }
}
