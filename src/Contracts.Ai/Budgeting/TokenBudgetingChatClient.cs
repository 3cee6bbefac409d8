using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Fits messages, tool definitions and reserved output into the model's context window.</summary>
/// <remarks>A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseTokenBudget()</c> or as part of <c>UseGovernedAi()</c>.</remarks>
public sealed class TokenBudgetingChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="TokenBudgetingChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    public TokenBudgetingChatClient(IChatClient innerClient, TokenBudgetOptions? options = null)
        : base(innerClient)
    {
        Options = options ?? new TokenBudgetOptions();
    }

    /// <summary>Gets the stage's options.</summary>
    public TokenBudgetOptions Options { get; }
}
