using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Replays the stored response of a request repeated with the same idempotency key instead of calling the model again.</summary>
/// <remarks>A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseRequestIdempotency()</c> or as part of <c>UseGovernedAi()</c>.</remarks>
public sealed class RequestIdempotencyChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="RequestIdempotencyChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    public RequestIdempotencyChatClient(IChatClient innerClient, IdempotencyOptions? options = null)
        : base(innerClient)
    {
        Options = options ?? new IdempotencyOptions();
    }

    /// <summary>Gets the stage's options.</summary>
    public IdempotencyOptions Options { get; }
}
