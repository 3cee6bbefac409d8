using System;
using System.Collections.Concurrent;
using System.Diagnostics;
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
/// Stages record their decisions only in an observed call (<see cref="Observed"/>); the recording members below
/// write to its <see cref="Record"/> and read nothing (<see langword="null"/>, 0) from a call that is not observed.
/// </remarks>
internal sealed class GovernedCall
{
    private static readonly AsyncLocal<GovernedCall?> CurrentCall = new();

    private CallRecord? _record;
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

    /// <summary>Gets the governance context of the current call, else the one a stage used on its own finds on <paramref name="options"/>.</summary>
    public static GovernanceContext? ContextOf(ChatOptions? options) =>
        CurrentCall.Value?.Context ?? options.GetGovernanceContext();

    /// <summary>Gets a value indicating whether <paramref name="options"/> are the current call's own copy, which a per-request stage may change in place.</summary>
    public static bool OwnsOptions(ChatOptions? options) =>
        options is not null && ReferenceEquals(CurrentCall.Value?.OwnedOptions, options);

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

    /// <summary>Gets or sets the call's own copy of the request's governance context (the caller's is never changed); routing may pin its version.</summary>
    public GovernanceContext? Context { get; set; }

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

    // What the stages record, kept in the call's record when it is observed.

    public Activity? Activity
    {
        get => _record?.Activity;
        set => Write().Activity = value;
    }

    public string? ContractId
    {
        get => _record?.ContractId;
        set => Write().ContractId = value;
    }

    public string? ContractVersion => _record?.ContractVersion;

    public string? ContractLabel
    {
        get => _record?.ContractLabel;
        set => Write().ContractLabel = value;
    }

    public string? Variant => _record?.Variant;

    /// <summary>Hash of the rendered system prompt (never the prompt itself).</summary>
    public string? RenderedPromptHash
    {
        get => _record?.RenderedPromptHash;
        set => Write().RenderedPromptHash = value;
    }

    public string? ValidationOutcome => _record?.ValidationOutcome;

    public int ValidationAttempts => _record?.ValidationAttempts ?? 0;

    public string? IdempotencyOutcome => _record?.IdempotencyOutcome;

    public int? TokensBefore => _record?.TokensBefore;

    public int? TokensAfter => _record?.TokensAfter;

    public int MessagesDropped => _record?.MessagesDropped ?? 0;

    public UsageDetails? Usage
    {
        get => _record?.Usage;
        set => Write().Usage = value;
    }

    /// <summary>The final outcome: <c>ok</c>, <c>fallback</c>, <c>replayed</c>, <c>rejected</c>, <c>cancelled</c> or <c>error</c>.</summary>
    public string? Outcome
    {
        get => _record?.Outcome;
        set => Write().Outcome = value;
    }

    public int Redactions => _record?.Redactions ?? 0;

    public int ScreeningDetections => _record?.ScreeningDetections ?? 0;

    /// <summary>Rollout decisions (automatic rollbacks) this call triggered, for the audit; <see langword="null"/> until the first.</summary>
    public ConcurrentQueue<string>? RolloutEvents => _record?.RolloutEvents;

    public void SetContract(string id, string version)
    {
        CallRecord record = Write();
        record.ContractId = id;
        record.ContractVersion = version;
        record.Activity?.SetTag(TelemetryNames.Attributes.ContractId, id);
        record.Activity?.SetTag(TelemetryNames.Attributes.ContractVersion, version);
    }

    public void SetVariant(string variant)
    {
        CallRecord record = Write();
        record.Variant = variant;
        record.Activity?.SetTag(TelemetryNames.Attributes.Variant, variant);
    }

    public void SetValidation(string outcome, int attempts)
    {
        CallRecord record = Write();
        record.ValidationOutcome = outcome;
        record.ValidationAttempts = attempts;
        record.Activity?.SetTag(TelemetryNames.Attributes.ValidationOutcome, outcome);
        record.Activity?.SetTag(TelemetryNames.Attributes.ValidationAttempts, attempts);
    }

    public void SetIdempotency(string outcome)
    {
        CallRecord record = Write();
        record.IdempotencyOutcome = outcome;
        record.Activity?.SetTag(TelemetryNames.Attributes.IdempotencyOutcome, outcome);
    }

    public void SetBudget(int tokensBefore, int tokensAfter, int messagesDropped)
    {
        CallRecord record = Write();
        record.TokensBefore = tokensBefore;
        record.TokensAfter = tokensAfter;
        record.MessagesDropped += messagesDropped;
    }

    public void AddToolCall(ToolCallRecord record) => _record?.AddToolCall(record);

    public void AddRolloutEvent(string description) => _record?.AddRolloutEvent(description);

    public void AddRedactions(int count) => _record?.AddRedactions(count);

    public void AddScreeningDetections(int count) => _record?.AddScreeningDetections(count);

    /// <summary>Gets a snapshot of the tool calls recorded so far, without creating the queue when there are none.</summary>
    public ToolCallRecord[] ToolCallsSnapshot() => _record?.ToolCallsSnapshot() ?? [];

    /// <summary>The record to write a decision to. Stages write only to an observed call; an unobserved one has no record to write.</summary>
    private CallRecord Write() =>
        _record ?? throw new InvalidOperationException("A decision was recorded in a governed call that is not observed; record through GovernedCall.Observed.");
}
