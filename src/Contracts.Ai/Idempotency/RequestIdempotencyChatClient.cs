using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>Replays the stored response of a request repeated with the same idempotency key instead of calling the model again.</summary>
/// <remarks>
/// <para>
/// A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseRequestIdempotency()</c> or as
/// part of <c>UseGovernedAi()</c>. Only requests with <see cref="GovernanceChatOptionsExtensions.WithIdempotencyKey"/>
/// are affected; the key is scoped by the request's tenant. The first request runs and its response is
/// stored (streamed responses are assembled first); a repeat gets the stored response (as updates when
/// streaming), a repeat while the first is still running waits for it, and a repeat with other messages
/// or options throws <see cref="IdempotencyConflictException"/> without calling the model. A failed
/// request stores nothing, so a retry calls the model again.
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class RequestIdempotencyChatClient : DelegatingChatClient
{
    private static readonly JsonTypeInfo<ChatResponse> ResponseTypeInfo =
        (JsonTypeInfo<ChatResponse>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponse));

    private readonly IdempotencyCoordinator _coordinator;

    /// <summary>Initializes a new instance of the <see cref="RequestIdempotencyChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <param name="store">Where responses are kept; <see langword="null"/> for a private <see cref="InMemoryIdempotencyStore"/>.</param>
    /// <param name="timeProvider">The clock for waits and expiry; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">Logs store failures; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> are invalid.</exception>
    public RequestIdempotencyChatClient(
        IChatClient innerClient, IdempotencyOptions? options = null, IIdempotencyStore? store = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        : base(innerClient)
    {
        Options = options ?? new IdempotencyOptions();
        Options.ThrowIfInvalid("GovernedAi:Idempotency");
        timeProvider ??= TimeProvider.System;
        _coordinator = new IdempotencyCoordinator(store ?? new InMemoryIdempotencyStore(Options.InMemoryCapacity, timeProvider), Options, timeProvider, logger);
    }

    /// <summary>Gets the stage's options.</summary>
    public IdempotencyOptions Options { get; }

    /// <summary>Gets the store that keeps the responses.</summary>
    public IIdempotencyStore Store => _coordinator.Store;

    /// <inheritdoc />
    /// <exception cref="IdempotencyConflictException">The key was used with other messages or options; the model was not called.</exception>
    /// <exception cref="IdempotencyInProgressException">A request with the key is still running after <see cref="IdempotencyOptions.InProgressWait"/>; the model was not called.</exception>
    /// <exception cref="IdempotencyStoreUnavailableException">The store cannot be reached and <see cref="IdempotencyOptions.OnStoreUnavailable"/> is <see cref="IdempotencyFailureMode.FailClosed"/>; the model was not called.</exception>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GovernedCall.ContextOf(options) is { IdempotencyKey: { } key } context
            ? GetIdempotentResponseAsync(messages, options!, IdempotencyKeys.ForRequest(key, context.TenantId), cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="IdempotencyConflictException">The key was used with other messages or options; the model was not called.</exception>
    /// <exception cref="IdempotencyInProgressException">A request with the key is still running after <see cref="IdempotencyOptions.InProgressWait"/>; the model was not called.</exception>
    /// <exception cref="IdempotencyStoreUnavailableException">The store cannot be reached and <see cref="IdempotencyOptions.OnStoreUnavailable"/> is <see cref="IdempotencyFailureMode.FailClosed"/>; the model was not called.</exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GovernedCall.ContextOf(options) is { IdempotencyKey: { } key } context
            ? GetIdempotentStreamingResponseAsync(messages, options!, IdempotencyKeys.ForRequest(key, context.TenantId), cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    private async Task<ChatResponse> GetIdempotentResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions options, string key, CancellationToken cancellationToken)
    {
        IdempotentResult<ChatResponse> result = await _coordinator.ExecuteAsync(
            key,
            IdempotencyKeys.RequestFingerprint(messages, options),
            ct => new ValueTask<ChatResponse>(base.GetResponseAsync(messages, options, ct)),
            ResponseTypeInfo,
            cancellationToken).ConfigureAwait(false);
        RecordDecision(result.Replayed ? IdempotencyDecision.Replayed : IdempotencyDecision.Executed);
        return result.Value;
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetIdempotentStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions options, string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IdempotencyClaim claim = await _coordinator.BeginAsync(key, IdempotencyKeys.RequestFingerprint(messages, options), cancellationToken).ConfigureAwait(false);
        if (claim.IsReplay)
        {
            ChatResponse stored = IdempotencyCoordinator.Deserialize(claim, ResponseTypeInfo);
            RecordDecision(IdempotencyDecision.Replayed);
            foreach (ChatResponseUpdate update in stored.ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        RecordDecision(IdempotencyDecision.Executed);
        var updates = new List<ChatResponseUpdate>();
        bool streamed = false;
        try
        {
            await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                updates.Add(update);
                yield return update;
            }

            streamed = true;
        }
        finally
        {
            // A failed, cancelled or abandoned stream stores nothing, so a retry calls the model again.
            if (!streamed)
            {
                await _coordinator.ReleaseAsync(claim).ConfigureAwait(false);
            }
        }

        await _coordinator.CompleteAsync(claim, updates.ToChatResponse(), ResponseTypeInfo).ConfigureAwait(false);
    }

    private static void RecordDecision(string outcome)
    {
        if (GovernedCall.ObservedRecord is { } record)
        {
            record.ForIdempotency().Decided(outcome, record.Activity);
        }
    }
}
