using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Options for session memory: how much remembered history a request gets, how much a session keeps, and for how long.</summary>
/// <remarks>
/// Bindable from configuration section <c>GovernedAi:SessionMemory</c>; validated once at start.
/// Configure them with <c>AddGovernedAi().AddSessionMemory(...)</c> or <c>ChatClientBuilder.UseSessionMemory(...)</c>.
/// </remarks>
public sealed class SessionMemoryOptions
{
    /// <summary>Gets or sets a value indicating whether requests with <c>ChatOptions.WithSession(id)</c> get their session's history.</summary>
    /// <value>
    /// Defaults to <see langword="true"/>: a request that names a session is remembered (in memory unless <c>UseRedis(...)</c>
    /// or another <see cref="ISessionStore"/> is registered); requests without a session pay nothing. When it is off, a request
    /// that names a session fails with <see cref="SessionMemoryException"/> rather than silently forgetting.
    /// </value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the most tokens of remembered history added to one request; the oldest whole turns are dropped first.</summary>
    /// <value>Defaults to 4,096. Counted with the model's token counter (the same <see cref="TokenCounterRegistry"/> budgeting uses).</value>
    public int MaxTokens { get; set; } = 4096;

    /// <summary>Gets or sets the most turns a session keeps in its store; appending one more drops the oldest. A turn is one request's new messages and its answer.</summary>
    /// <value>Defaults to 500.</value>
    public int MaxTurns { get; set; } = 500;

    /// <summary>Gets or sets how long a session is kept after its last turn was added: the retention of a conversation nobody continues.</summary>
    /// <value>Defaults to 30 days.</value>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets a value indicating whether a session needs a user (<c>WithTenant(tenant, user)</c>).</summary>
    /// <value>
    /// Defaults to <see langword="true"/>: a request with a session and no user fails with <see cref="SessionMemoryException"/>
    /// before the model is called, so a session can never be shared by accident. When <see langword="false"/>, a session
    /// without a user is scoped by tenant and session id only (anyone who knows the id shares it: use unguessable ids),
    /// and <see cref="ISessionMemory.ForgetUserAsync"/> cannot reach it.
    /// </value>
    public bool RequireUser { get; set; } = true;

    /// <summary>Gets or sets what happens when the session store cannot be reached.</summary>
    /// <value>Defaults to <see cref="SessionStoreFailureMode.FailClosed"/>.</value>
    public SessionStoreFailureMode OnStoreUnavailable { get; set; } = SessionStoreFailureMode.FailClosed;

    /// <summary>Gets or sets the most sessions the default in-memory store keeps; when full it drops expired sessions, then the least recently used.</summary>
    /// <value>Defaults to 100,000.</value>
    public int InMemoryCapacity { get; set; } = 100_000;

    // A field, not a property: configuration binding must not see it.
    private IChatReducer? _reducer;

    /// <summary>
    /// Gives the turns <see cref="MaxTokens"/> leaves out to <paramref name="reducer"/> (such as MEAI's <c>SummarizingChatReducer</c>);
    /// what it returns is placed before the remembered turns, within <see cref="MaxTokens"/>.
    /// </summary>
    /// <param name="reducer">The reducer, or <see langword="null"/> to leave dropped turns out (the default).</param>
    /// <returns>These options, for chaining.</returns>
    /// <remarks>
    /// The reducer runs on every request whose history overflows; a summarising reducer calls a model each time, so give it a
    /// small, cheap one. When its output and the kept turns exceed <see cref="MaxTokens"/>, more of the oldest kept turns are
    /// left out (they are not in the summary); when its output alone exceeds it, the output is left out. A method rather than a
    /// property, so configuration binding leaves it alone.
    /// </remarks>
    public SessionMemoryOptions SummarizeDroppedTurns(IChatReducer? reducer)
    {
        _reducer = reducer;
        return this;
    }

    /// <summary>Gets the reducer <see cref="SummarizeDroppedTurns"/> set, or <see langword="null"/>.</summary>
    internal IChatReducer? GetReducer() => _reducer;

    internal void Validate(string path, List<string> errors)
    {
        if (MaxTokens < 1)
        {
            errors.Add($"{path}:MaxTokens must be at least 1, but was {MaxTokens}.");
        }

        if (MaxTurns < 1)
        {
            errors.Add($"{path}:MaxTurns must be at least 1, but was {MaxTurns}.");
        }

        if (IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}:IdleTimeout must be positive, but was {IdleTimeout}.");
        }

        if (!Enum.IsDefined(OnStoreUnavailable))
        {
            errors.Add($"{path}:OnStoreUnavailable must be FailClosed or ContinueWithoutMemory, but was {(int)OnStoreUnavailable}.");
        }

        if (InMemoryCapacity < 1)
        {
            errors.Add($"{path}:InMemoryCapacity must be at least 1, but was {InMemoryCapacity}.");
        }
    }

    /// <summary>Validates options passed directly to a stage (outside <c>AddGovernedAi()</c>, which validates at start).</summary>
    internal void ThrowIfInvalid(string path)
    {
        var errors = new List<string>();
        Validate(path, errors);
        if (errors.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(SessionMemoryOptions), errors);
        }
    }
}
