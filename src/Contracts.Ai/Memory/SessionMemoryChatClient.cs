using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>
/// Remembers conversations for the app: a request that names a session (<c>ChatOptions.WithSession(id)</c>) sends only
/// its new turn, and the stage adds the session's remembered turns before it; once the answer is complete, the new
/// messages and the answer are remembered.
/// </summary>
/// <remarks>
/// <para>
/// A session is scoped by tenant, user and session id (<see cref="SessionKey"/>): the same id under another tenant or
/// user is another, empty session. Without a user the request fails with <see cref="SessionMemoryException"/> unless
/// <see cref="SessionMemoryOptions.RequireUser"/> is off.
/// </para>
/// <para>
/// The history added to a request is at most <see cref="SessionMemoryOptions.MaxTokens"/>, counted with the model's
/// counter from the <see cref="TokenCounterRegistry"/>: the newest whole turns that fit, a tool call never without its
/// results; the turns left out go to the reducer <see cref="SessionMemoryOptions.SummarizeDroppedTurns"/> set, when there is one. The caller's leading
/// system messages stay first; the remembered turns come next, then the caller's new messages.
/// </para>
/// <para>
/// A turn is remembered only after a successful answer (a streamed one once the stream completes); a failed,
/// rejected or cancelled request, or a stream abandoned before its end, remembers nothing. The stored copy holds
/// the caller's non-system messages and the answer's messages (tool calls and results included), redacted by the
/// data-protection prompt policy; system messages and the contract's rendered prompt (<see cref="ChatOptions.Instructions"/>)
/// are never stored.
/// </para>
/// <para>
/// When the request sets <see cref="ChatOptions.ConversationId"/>, the provider holds the conversation: nothing is
/// prepended (the provider has it), but the turn is still remembered, so the session stays whole if a later request
/// goes to a stateless model.
/// </para>
/// <para>
/// A stage of the governed pipeline, per request: <c>UseGovernedAi()</c> places it inside request idempotency (a
/// replayed response never reaches it, so a replay remembers nothing) and prompt routing, and outside contract
/// enforcement (re-asks and their feedback are not remembered; the final, validated answer is), data protection,
/// tool governance and budgeting. Add it alone with <c>ChatClientBuilder.UseSessionMemory()</c>, outside any tool loop.
/// Thread-safe.
/// </para>
/// </remarks>
public sealed partial class SessionMemoryChatClient : DelegatingChatClient
{
    private readonly ISessionStore _store;
    private readonly TokenCounterRegistry _counters;
    private readonly TokenCountCache _cache;
    private readonly string _defaultEncoding;
    private readonly SessionTurnRecorder _recorder;
    private readonly ILogger _logger;
    private string? _defaultModelId;
    private bool _defaultModelIdResolved;

    /// <summary>Initializes a new instance of the <see cref="SessionMemoryChatClient"/> class, with a token count cache of its own.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <param name="store">Where sessions are kept; <see langword="null"/> for a private <see cref="InMemorySessionStore"/>.</param>
    /// <param name="counters">Chooses the token counter per model; <see langword="null"/> for tiktoken on known OpenAI models and <c>o200k_base</c> otherwise.</param>
    /// <param name="redactor">Redacts what is stored; <see langword="null"/> for the default data-protection policy with every built-in recognizer.</param>
    /// <param name="logger">Logs store failures (never content); <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> are invalid.</exception>
    public SessionMemoryChatClient(
        IChatClient innerClient,
        SessionMemoryOptions? options = null,
        ISessionStore? store = null,
        TokenCounterRegistry? counters = null,
        PiiRedactor? redactor = null,
        ILogger? logger = null)
        : this(innerClient, options ?? new SessionMemoryOptions(), store, counters, redactor, logger, new TokenCountCache(), null)
    {
    }

    internal SessionMemoryChatClient(
        IChatClient innerClient,
        SessionMemoryOptions options,
        ISessionStore? store,
        TokenCounterRegistry? counters,
        PiiRedactor? redactor,
        ILogger? logger,
        TokenCountCache cache,
        string? defaultEncoding)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid("GovernedAi:SessionMemory");
        Options = options;
        _store = store ?? new InMemorySessionStore(options.InMemoryCapacity);
        _counters = counters ?? new TokenCounterRegistry();
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _defaultEncoding = defaultEncoding ?? TiktokenTokenCounter.O200kBase;
        _recorder = new SessionTurnRecorder(redactor ?? new PiiRedactor(new DefaultPiiRecognizer()));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the stage's options.</summary>
    public SessionMemoryOptions Options { get; }

    /// <summary>Gets the store that keeps the sessions.</summary>
    public ISessionStore Store => _store;

    /// <inheritdoc />
    /// <exception cref="SessionMemoryException">The request names a session but memory is turned off, or the session has no user while <see cref="SessionMemoryOptions.RequireUser"/> is on; the model was not called.</exception>
    /// <exception cref="SessionStoreUnavailableException">The store cannot be reached and <see cref="SessionMemoryOptions.OnStoreUnavailable"/> is <see cref="SessionStoreFailureMode.FailClosed"/>.</exception>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GovernedCall.ContextOf(options) is { SessionId: not null } context
            ? GetRememberedResponseAsync(messages, options!, context, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="SessionMemoryException">As for <see cref="GetResponseAsync"/>, when enumeration starts.</exception>
    /// <exception cref="SessionStoreUnavailableException">As for <see cref="GetResponseAsync"/>; a failure to remember the turn surfaces after the last update.</exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GovernedCall.ContextOf(options) is { SessionId: not null } context
            ? GetRememberedStreamingResponseAsync(messages, options!, context, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    private async Task<ChatResponse> GetRememberedResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions options, GovernanceContext context, CancellationToken cancellationToken)
    {
        Recall recall = await RecallAsync(messages, options, context, cancellationToken).ConfigureAwait(false);
        ChatResponse response = await base.GetResponseAsync(recall.Messages, options, cancellationToken).ConfigureAwait(false);
        await RememberAsync(recall, response.Messages, response, cancellationToken).ConfigureAwait(false);
        return response;
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetRememberedStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions options, GovernanceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Recall recall = await RecallAsync(messages, options, context, cancellationToken).ConfigureAwait(false);
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(recall.Messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }

        // Only a stream read to its end is remembered: an exception or an abandoned enumeration never gets here.
        await RememberAsync(recall, updates.ToChatResponse().Messages, response: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks the session, loads its turns and lays out the request.</summary>
    private async Task<Recall> RecallAsync(IEnumerable<ChatMessage> messages, ChatOptions options, GovernanceContext context, CancellationToken cancellationToken)
    {
        if (!Options.Enabled)
        {
            throw new SessionMemoryException(
                "The request names a session (ChatOptions.WithSession) but session memory is turned off (GovernedAi:SessionMemory:Enabled is false): " +
                "turn it on with AddGovernedAi().AddSessionMemory(), or drop WithSession. Nothing was sent to the model.");
        }

        string? userId = string.IsNullOrWhiteSpace(context.UserId) ? null : context.UserId;
        if (userId is null && Options.RequireUser)
        {
            throw new SessionMemoryException(
                $"The request names a session but no user{(context.TenantId is null ? string.Empty : " in tenant '" + context.TenantId + "'")}: a session is scoped by tenant and user. " +
                "Set the user with ChatOptions.WithTenant(tenantId, userId), or set GovernedAi:SessionMemory:RequireUser to false to allow sessions scoped by tenant alone. Nothing was sent to the model.");
        }

        var key = new SessionKey(context.TenantId, userId, context.SessionId!);
        IList<ChatMessage> caller = messages as IList<ChatMessage> ?? new List<ChatMessage>(messages);
        ITokenCounter counter = _counters.GetCounter(options.ModelId ?? DefaultModelId(), _defaultEncoding);
        Activity? activity = GovernedCall.ObservedRecord?.Activity;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SessionMemoryTelemetry.SessionHashAttribute, SessionMemoryTelemetry.Hash(key.TenantId, key.UserId, key.SessionId));
        }

        if (options.ConversationId is not null)
        {
            // The provider keeps this conversation: sending the remembered turns again would repeat them.
            activity?.SetTag(SessionMemoryTelemetry.HistorySourceAttribute, SessionMemoryTelemetry.HistoryProvider);
            return new Recall(key, caller, caller, context.ContractId, counter);
        }

        IReadOnlyList<SessionTurn> turns;
        try
        {
            turns = await _store.LoadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex) when (Options.OnStoreUnavailable == SessionStoreFailureMode.ContinueWithoutMemory)
        {
            CountUnavailable("load");
            LogLoadFailed(_logger, ex, ex.GetType().Name);
            activity?.SetTag(SessionMemoryTelemetry.HistorySourceAttribute, SessionMemoryTelemetry.HistoryUnavailable);
            return new Recall(key, caller, caller, context.ContractId, counter);
        }

        int start = SessionHistory.SelectStart(turns, counter, Options.MaxTokens, _cache, out int tokens);
        IEnumerable<ChatMessage>? summary = null;
        if (start > 0 && Options.GetReducer() is { } reducer)
        {
            (summary, start, tokens) = await SummarizeAsync(reducer, turns, start, tokens, counter, cancellationToken).ConfigureAwait(false);
        }

        int loaded = turns.Count - start;
        Record(activity, loaded, tokens, start, summary is not null);
        IList<ChatMessage> composed = loaded == 0 && summary is null ? caller : SessionHistory.Compose(caller, summary, turns, start);
        return new Recall(key, caller, composed, context.ContractId, counter);
    }

    /// <summary>Gives the dropped turns to the reducer; makes room for what it returns by dropping more of the oldest kept turns (those are not in the summary), or leaves it out when it alone is over the bound.</summary>
    private async Task<(IEnumerable<ChatMessage>? Summary, int Start, int Tokens)> SummarizeAsync(
        IChatReducer reducer, IReadOnlyList<SessionTurn> turns, int start, int tokens, ITokenCounter counter, CancellationToken cancellationToken)
    {
        IEnumerable<ChatMessage> reduced = await reducer.ReduceAsync(SessionHistory.Flatten(turns, 0, start), cancellationToken).ConfigureAwait(false);
        var summary = new List<ChatMessage>(reduced);
        int summaryTokens = SessionHistory.Count(summary, counter, _cache);
        if (summary.Count == 0 || summaryTokens > Options.MaxTokens)
        {
            return (null, start, tokens);
        }

        while (start < turns.Count && tokens + summaryTokens > Options.MaxTokens)
        {
            tokens -= SessionHistory.TokensOf(turns[start], counter, _cache);
            start++;
        }

        return (summary, start, tokens + summaryTokens);
    }

    /// <summary>Stores the caller's new messages and the answer as one turn.</summary>
    private async Task RememberAsync(Recall recall, IList<ChatMessage> answer, ChatResponse? response, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<ChatMessage> stored = _recorder.Record(recall.Caller, answer, recall.ContractId);
        if (stored.Count == 0)
        {
            return;
        }

        var turn = new SessionTurn(stored, SessionHistory.Count(stored, recall.Counter, _cache), recall.Counter.Encoding);
        try
        {
            await _store.AppendAsync(recall.Key, turn, Options.MaxTurns, Options.IdleTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException ex)
        {
            if (Options.OnStoreUnavailable == SessionStoreFailureMode.ContinueWithoutMemory)
            {
                CountUnavailable("append");
                LogAppendFailed(_logger, ex, ex.GetType().Name);
                return;
            }

            throw new SessionStoreUnavailableException(
                "The answer was produced but the session store could not remember the turn; the session does not hold it. " +
                "Send the turn again, or set GovernedAi:SessionMemory:OnStoreUnavailable to ContinueWithoutMemory.", ex)
            {
                Response = response,
            };
        }

        if (SessionMemoryTelemetry.TurnsStored.Enabled)
        {
            SessionMemoryTelemetry.TurnsStored.Add(1);
        }
    }

    private static void Record(Activity? activity, int turnsLoaded, int tokensLoaded, int turnsDropped, bool summarized)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SessionMemoryTelemetry.HistorySourceAttribute, SessionMemoryTelemetry.HistoryStore);
            activity.SetTag(SessionMemoryTelemetry.TurnsLoadedAttribute, turnsLoaded);
            activity.SetTag(SessionMemoryTelemetry.TokensLoadedAttribute, tokensLoaded);
            activity.SetTag(SessionMemoryTelemetry.TurnsDroppedAttribute, turnsDropped);
            if (summarized)
            {
                activity.SetTag(SessionMemoryTelemetry.SummarizedAttribute, true);
            }
        }

        if (SessionMemoryTelemetry.TurnsLoaded.Enabled)
        {
            SessionMemoryTelemetry.TurnsLoaded.Add(turnsLoaded);
        }

        if (SessionMemoryTelemetry.TokensLoaded.Enabled)
        {
            SessionMemoryTelemetry.TokensLoaded.Add(tokensLoaded);
        }

        if (turnsDropped > 0 && SessionMemoryTelemetry.TurnsDropped.Enabled)
        {
            SessionMemoryTelemetry.TurnsDropped.Add(turnsDropped);
        }
    }

    private static void CountUnavailable(string operation)
    {
        if (SessionMemoryTelemetry.StoreUnavailable.Enabled)
        {
            SessionMemoryTelemetry.StoreUnavailable.Add(1, new KeyValuePair<string, object?>("contracts_ai.session.operation", operation));
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

    [LoggerMessage(EventId = 5701, Level = LogLevel.Warning, Message = "Session store unavailable ({ErrorType}): the request continues without its remembered history.")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string errorType);

    [LoggerMessage(EventId = 5702, Level = LogLevel.Warning, Message = "Session store unavailable ({ErrorType}): the answer was returned but the turn is not remembered.")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string errorType);

    /// <summary>What one request's session gave it, and what it needs to remember its turn.</summary>
    private sealed record Recall(SessionKey Key, IList<ChatMessage> Caller, IList<ChatMessage> Messages, string? ContractId, ITokenCounter Counter);
}
