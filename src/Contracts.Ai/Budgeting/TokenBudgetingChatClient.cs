using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>Fits messages, instructions, tool definitions and reserved output into the model's context window before every call.</summary>
/// <remarks>
/// <para>
/// A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseTokenBudget()</c> or as part of
/// <c>UseGovernedAi()</c>. Apps with their own pipeline place it inside <c>UseFunctionInvocation()</c>
/// so every iteration of a tool loop is budgeted.
/// </para>
/// <para>
/// The model is <c>ChatOptions.ModelId</c>, else the inner client's default model. When the conversation
/// fits, the caller's messages are passed on as they are; otherwise, with
/// <see cref="BudgetOverflowPolicy.Trim"/>, the oldest turns are dropped (system messages, pinned messages
/// and the newest user turn stay; a tool call and all its results go together) and a new list is passed
/// on. The caller's list and messages are never changed. When no context window is known for the model
/// (see <see cref="TokenBudgetOptions.ModelContextWindows"/> and <see cref="TokenBudgetOptions.ContextWindowTokens"/>),
/// messages pass through unbudgeted and a warning naming <see cref="TokenBudgetOptions.ModelContextWindows"/> is
/// logged once per model; with <see cref="TokenBudgetOptions.DefaultEncoding"/> <see langword="null"/>, a model
/// without a token counter is refused with <see cref="TokenCounterNotFoundException"/>.
/// </para>
/// <para>
/// Thread-safe: one instance serves concurrent calls; token counts are cached across calls. The public constructors
/// give the instance a count cache of its own; <c>UseTokenBudget()</c> and <c>UseGovernedAi()</c> pass the one cache
/// of the service provider (<c>AddGovernedAi()</c>) or of the pipeline, so stages of one pipeline count a message once.
/// </para>
/// </remarks>
public sealed class TokenBudgetingChatClient : DelegatingChatClient
{
    private readonly TokenBudgeter _budgeter;
    private string? _defaultModelId;
    private bool _defaultModelIdResolved;

    /// <summary>Initializes a new instance of the <see cref="TokenBudgetingChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public TokenBudgetingChatClient(IChatClient innerClient, TokenBudgetOptions? options = null)
        : this(innerClient, options, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TokenBudgetingChatClient"/> class with the app's token counters.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <param name="counters">Chooses the counter per model; <see langword="null"/> for tiktoken on known OpenAI models and the default encoding otherwise.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public TokenBudgetingChatClient(IChatClient innerClient, TokenBudgetOptions? options, TokenCounterRegistry? counters)
        : this(innerClient, options, counters, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TokenBudgetingChatClient"/> class with the app's token counters and logging.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <param name="counters">Chooses the counter per model; <see langword="null"/> for tiktoken on known OpenAI models and the default encoding otherwise.</param>
    /// <param name="loggerFactory">Logs the warning for a model whose context window is not known (once per model); <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public TokenBudgetingChatClient(IChatClient innerClient, TokenBudgetOptions? options, TokenCounterRegistry? counters, ILoggerFactory? loggerFactory)
        : this(innerClient, options, counters, new TokenCountCache(), loggerFactory)
    {
    }

    internal TokenBudgetingChatClient(IChatClient innerClient, TokenBudgetOptions? options, TokenCounterRegistry? counters, TokenCountCache cache, ILoggerFactory? loggerFactory = null)
        : base(innerClient)
    {
        Options = options ?? new TokenBudgetOptions();
        _budgeter = new TokenBudgeter(Options, counters, cache, loggerFactory?.CreateLogger<TokenBudgetingChatClient>());
    }

    /// <summary>Gets the stage's options.</summary>
    public TokenBudgetOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="ContextBudgetExceededException">The conversation does not fit and <see cref="TokenBudgetOptions.OnOverflow"/> is <see cref="BudgetOverflowPolicy.Throw"/>, or even the messages that must be kept do not fit.</exception>
    /// <exception cref="TokenCounterNotFoundException">No token counter fits the model and <see cref="TokenBudgetOptions.DefaultEncoding"/> is <see langword="null"/>.</exception>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IEnumerable<ChatMessage> fitted;
        try
        {
            fitted = _budgeter.Fit(messages, options, DefaultModelId());
        }
        catch (Exception ex)
        {
            return Task.FromException<ChatResponse>(ex);
        }

        return base.GetResponseAsync(fitted, options, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ContextBudgetExceededException">The conversation does not fit and <see cref="TokenBudgetOptions.OnOverflow"/> is <see cref="BudgetOverflowPolicy.Throw"/>, or even the messages that must be kept do not fit (thrown when enumeration starts).</exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GetStreamingResponseCoreAsync(messages, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseCoreAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IEnumerable<ChatMessage> fitted = _budgeter.Fit(messages, options, DefaultModelId());
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(fitted, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private string? DefaultModelId()
    {
        if (!Volatile.Read(ref _defaultModelIdResolved))
        {
            _defaultModelId = InnerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
            Volatile.Write(ref _defaultModelIdResolved, true);
        }

        return _defaultModelId;
    }
}
