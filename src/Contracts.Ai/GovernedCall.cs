using System;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// The state of one governed call: the request's governance context, taken off the caller's options by the
/// outermost stage, what the stages pass each other for this call only (an input cap, the routed client, the call's
/// own copy of the options) and, when the call is observed, its <see cref="CallRecord"/>.
/// </summary>
/// <remarks>
/// The outermost stage makes it <see cref="Current"/> for the duration of the call (an <see cref="AsyncLocal{T}"/>,
/// like MEAI's <c>FunctionInvokingChatClient.CurrentContext</c>), so the stages below the tool loop see it
/// too, while nothing of it travels in <see cref="ChatOptions.AdditionalProperties"/> to the provider.
/// Stages record their decisions only in an observed call (<see cref="Observed"/>), each in its own decision record
/// of the call's <see cref="Record"/> (<see cref="CallRecord.ForContract"/>, <see cref="CallRecord.ForBudget"/>, ...).
/// </remarks>
internal sealed class GovernedCall
{
    private static readonly AsyncLocal<GovernedCall?> CurrentCall = new();

    private CallRecord? _record;
    private GovernanceContext? _ownContext;
    private GovernanceContext? _callersContext;
    private bool _observed;
    private bool _recordsDecisions;

    /// <summary>Gets or sets the governed call the current code runs in; <see langword="null"/> outside one, and inside a governed tool's own code.</summary>
    public static GovernedCall? Current
    {
        get => CurrentCall.Value;
        set => CurrentCall.Value = value;
    }

    /// <summary>Gets the current call when its outermost stage records it (span, metrics, log or audit) or a rollout judges its version by it: the one stages record their decisions in.</summary>
    public static GovernedCall? Observed => CurrentCall.Value is { } call && call._record is not null ? call : null;

    /// <summary>Gets the record of the current call when it is observed (see <see cref="Observed"/>): the one a stage writes its decision record in.</summary>
    public static CallRecord? ObservedRecord => CurrentCall.Value?._record;

    /// <summary>Gets the governance context of the current call, else the one a stage used on its own finds on <paramref name="options"/>.</summary>
    public static GovernanceContext? ContextOf(ChatOptions? options) =>
        CurrentCall.Value?.Context ?? options.GetGovernanceContext();

    /// <summary>Gets a value indicating whether <paramref name="options"/> are the current call's own copy, which a per-request stage may change in place.</summary>
    public static bool OwnsOptions(ChatOptions? options) => CurrentCall.Value?.Owns(options) == true;

    /// <summary>Gets a value indicating whether <paramref name="options"/> are this call's own copy, which a per-request stage may change in place.</summary>
    public bool Owns(ChatOptions? options) => options is not null && ReferenceEquals(OwnedOptions, options);

    /// <summary>Gets a value indicating whether the outermost stage records the call (span, metrics, log or audit); only then is there a <see cref="Record"/>.</summary>
    public bool IsObserved
    {
        get => _observed;
        init
        {
            _observed = value;
            if (value)
            {
                _record ??= new CallRecord();
            }
        }
    }

    /// <summary>
    /// Gets or sets a value indicating whether stages record their decisions (validation, tool calls) even when nothing
    /// observes the call: a rollout judges the version that served it by them. Setting it gives the call a <see cref="Record"/>.
    /// </summary>
    public bool RecordsDecisions
    {
        get => _recordsDecisions;
        set
        {
            _recordsDecisions = value;
            if (value)
            {
                _record ??= new CallRecord();
            }
        }
    }

    /// <summary>Gets what the stages decided, when the call is observed.</summary>
    public CallRecord? Record => _record;

    /// <summary>
    /// Gets or sets the request's governance context as the call's stages read it; routing may replace it (pinning a version).
    /// Set, it is the call's own; shared with the caller (<see cref="ShareCallersContext"/>), it is copied the first time
    /// code outside the pipeline's stages asks for it (<see cref="OwnContext"/>), so the caller's is never changed.
    /// </summary>
    public GovernanceContext? Context
    {
        get => _ownContext ?? _callersContext;
        set
        {
            _ownContext = value;
            _callersContext = null;
        }
    }

    /// <summary>Lets the call's stages read the caller's own context, which they never change, until someone outside them asks for it.</summary>
    public void ShareCallersContext(GovernanceContext? context)
    {
        _ownContext = null;
        _callersContext = context;
    }

    /// <summary>The call's own context, copied from the caller's on first use (by one thread only, whoever asks first).</summary>
    public GovernanceContext? OwnContext()
    {
        if (_ownContext is null && _callersContext is { } callers)
        {
            Interlocked.CompareExchange(ref _ownContext, callers.Clone(), null);
        }

        return _ownContext;
    }

    /// <summary>Gets or sets a cap on input tokens that a stage (the contract's <c>MaxInputTokens</c>) set for this call's model calls.</summary>
    public int? MaxInputTokens { get; set; }

    /// <summary>Gets or sets the key of the client the routed variant runs on, for <see cref="VariantClientChatClient"/>.</summary>
    public string? VariantClientKey { get; set; }

    /// <summary>
    /// Gets or sets the copy of the caller's options the outermost stage made to take the governance data off; no one
    /// else holds it, so a per-request stage that changes the request (the contract's prompt, tools and format) may
    /// change it in place instead of copying it again. <see langword="null"/> when the caller's own options went on.
    /// </summary>
    public ChatOptions? OwnedOptions { get; set; }

    /// <summary>Gets or sets a value indicating whether the call is a streaming one.</summary>
    public bool Streaming { get; set; }
}
