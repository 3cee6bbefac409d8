using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>
/// Picks the contract version a request runs on when its contract has a rollout: a sticky,
/// deterministic weighted split (A/B, canary), an optional shadow copy to a candidate version (validated
/// and compared with the primary answer), health per version from what users got, and automatic rollback
/// of a candidate worse than the baseline (see <see cref="AutoRollbackOptions"/>). Label and rollout
/// traffic on a version past its <see cref="PromptContract.DeprecatedAfter"/> moves to its <see cref="PromptContract.ReplacedBy"/>.
/// </summary>
/// <remarks>
/// <para>
/// A request is routed when its <see cref="GovernanceContext.ContractId"/> has a rollout and it names
/// no version, or names the rollout's label. Assignment hashes (tenant, user or conversation,
/// contract id), so a user sees one version throughout, and every instance agrees without shared state.
/// </para>
/// <para>
/// A manual label move in the <see cref="IPromptRegistry"/> wins: once the label points elsewhere than
/// when the rollout first served (for the built-in registry: than where code and prompt files put it,
/// so a move shared by another instance counts too), requests resolve the label as the registry says.
/// </para>
/// <para>A stage of the governed pipeline; add it with <c>ChatClientBuilder.UsePromptRouting()</c> or as part of <c>UseGovernedAi()</c>.</para>
/// </remarks>
public sealed partial class PromptRoutingChatClient : DelegatingChatClient
{
    private readonly RolloutController _controller;
    private readonly bool _ownsController;
    private readonly IPromptRegistry? _registry;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string ContractId, string Version), byte> _deprecationWarned = new();

    /// <summary>Initializes a new instance of the <see cref="PromptRoutingChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    public PromptRoutingChatClient(IChatClient innerClient, PromptRoutingOptions? options = null)
        : this(innerClient, options ?? new PromptRoutingOptions(), registry: null, controller: null, logger: null)
    {
    }

    internal PromptRoutingChatClient(IChatClient innerClient, PromptRoutingOptions options, IPromptRegistry? registry, RolloutController? controller, ILogger? logger)
        : base(innerClient)
    {
        Options = options;
        _registry = registry;
        _logger = logger ?? NullLogger.Instance;
        _ownsController = controller is null;
        _controller = controller ?? new RolloutController(new InMemoryRolloutStateStore(), options, TimeProvider.System, _logger);
    }

    /// <summary>Gets the stage's options.</summary>
    public PromptRoutingOptions Options { get; }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Route route = Decide(options);
        if (route.State is null)
        {
            return await base.GetResponseAsync(messages, route.Options ?? options, cancellationToken).ConfigureAwait(false);
        }

        ShadowRun? shadow = StartShadow(route, messages, options);
        long started = _controller.TimeProvider.GetTimestamp();
        ChatResponse? response = null;
        Exception? error = null;
        try
        {
            response = await base.GetResponseAsync(messages, route.Options, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            Finish(route, shadow, started, response, response?.Usage, error, cancellationToken);
        }
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Route route = Decide(options);
        return route.State is null
            ? base.GetStreamingResponseAsync(messages, route.Options ?? options, cancellationToken)
            : GetRoutedStreamingResponseAsync(route, messages, options, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsController)
        {
            _controller.Dispose();
        }

        base.Dispose(disposing);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetRoutedStreamingResponseAsync(
        Route route, IEnumerable<ChatMessage> messages, ChatOptions? original, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ShadowRun? shadow = StartShadow(route, messages, original);
        long started = _controller.TimeProvider.GetTimestamp();
        List<ChatResponseUpdate>? kept = shadow is null ? null : new List<ChatResponseUpdate>();
        UsageDetails? usage = null;
        Exception? error = null;
        bool completed = false;
        IAsyncEnumerator<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(messages, route.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        completed = true;
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex)
                {
                    error = ex;
                    throw;
                }

                AddUsage(update, ref usage);
                kept?.Add(update);
                yield return update;
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            if (completed || error is not null)
            {
                Finish(route, shadow, started, kept?.ToChatResponse(), usage, error, cancellationToken);
            }
            else
            {
                // The caller stopped reading: nothing to judge the version by.
                shadow?.SetPrimary(null);
            }
        }
    }

    private static void AddUsage(ChatResponseUpdate update, ref UsageDetails? usage)
    {
        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is UsageContent content)
            {
                (usage ??= new UsageDetails()).Add(content.Details);
            }
        }
    }

    /// <summary>Records what the routed call gave its user against the version that served it, and hands it to the shadow comparison.</summary>
    private void Finish(Route route, ShadowRun? shadow, long started, ChatResponse? response, UsageDetails? usage, Exception? error, CancellationToken cancellationToken)
    {
        if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            shadow?.SetPrimary(null);
            return;
        }

        double latency = _controller.TimeProvider.GetElapsedTime(started).TotalMilliseconds;
        RolloutOutcome outcome = RolloutOutcomes.Classify(route.Observed, error, latency, usage, cancellationToken);
        _controller.Record(route.State!, route.Version!, route.Variant!.Name ?? route.Variant.Version, outcome, shadow: false, route.Call?.Activity, route.Call);
        shadow?.SetPrimary(new PrimaryResult(route.Version!, outcome, response));
    }

    private Route Decide(ChatOptions? options)
    {
        GovernanceContext? context = options.GetGovernanceContext();
        if (context?.ContractId is not { } contractId)
        {
            return default;
        }

        if (Options.Rollouts.Count == 0 ||
            !Options.Rollouts.TryGetValue(contractId, out RolloutOptions? rollout) ||
            rollout.Variants.Count == 0 ||
            (context.ContractVersion is not null && !string.Equals(context.ContractVersion, rollout.Label, StringComparison.Ordinal)))
        {
            return ShiftLabelTraffic(context, contractId, options!);
        }

        RolloutState state = _controller.GetState(contractId, rollout);
        if (LabelMovedByHand(state, contractId, rollout.Label))
        {
            return ShiftLabelTraffic(context, contractId, options!);
        }

        RolloutVariant? variant = _controller.Choose(state, Position(context, contractId));
        if (variant is null)
        {
            return default;
        }

        string version = FollowDeprecation(contractId, variant.Version);
        GovernanceContext routed = context.Clone();
        routed.ContractVersion = version;
        ChatOptions routedOptions = options!.Clone();
        routedOptions.AdditionalProperties![GovernanceContext.PropertyKey] = routed;
        if (variant.ModelId is not null)
        {
            routedOptions.ModelId = variant.ModelId;
        }

        if (variant.ClientKey is not null)
        {
            routedOptions.AdditionalProperties[VariantClientChatClient.ClientKeyProperty] = variant.ClientKey;
        }

        GovernedCall? call = GovernedCall.Get(options);
        GovernedCall observed;
        if (call is not null)
        {
            observed = call;
            call.ContractLabel = rollout.Label;
            call.Activity?.SetTag(RoutingTelemetry.ContractLabel, rollout.Label);
            call.SetVariant(variant.Name ?? variant.Version);
        }
        else
        {
            // Nothing observes the call, but the version's health needs what the inner stages decide (validation, tools).
            observed = new GovernedCall();
            routedOptions.AdditionalProperties[GovernedCall.PropertyKey] = observed;
        }

        return new Route(state, variant, version, routedOptions, call, observed);
    }

    /// <summary>Moves a request that resolves a label (or no version) off a deprecated version to its replacement.</summary>
    private Route ShiftLabelTraffic(GovernanceContext context, string contractId, ChatOptions options)
    {
        if (_registry is null || (context.ContractVersion is { } requested && SemanticVersion.TryParse(requested, out _)) ||
            TryResolve(contractId, context.ContractVersion) is not { DeprecatedAfter: not null } contract)
        {
            return default;
        }

        string version = FollowDeprecation(contractId, contract.Version);
        if (string.Equals(version, contract.Version, StringComparison.Ordinal))
        {
            return default;
        }

        GovernanceContext shifted = context.Clone();
        shifted.ContractVersion = version;
        ChatOptions shiftedOptions = options.Clone();
        shiftedOptions.AdditionalProperties![GovernanceContext.PropertyKey] = shifted;
        return new Route(null, null, version, shiftedOptions, null, null);
    }

    /// <summary>Follows <see cref="PromptContract.ReplacedBy"/> from a version whose <see cref="PromptContract.DeprecatedAfter"/> has passed.</summary>
    private string FollowDeprecation(string contractId, string version)
    {
        if (_registry is null)
        {
            return version;
        }

        string current = version;
        DateTimeOffset now = default;
        for (int hop = 0; hop < 8; hop++)
        {
            if (TryResolve(contractId, current) is not { DeprecatedAfter: DateTimeOffset after, ReplacedBy: { } next } contract)
            {
                break;
            }

            if (now == default)
            {
                now = _controller.TimeProvider.GetUtcNow();
            }

            if (now < after || TryResolve(contractId, next) is null)
            {
                break;
            }

            if (_deprecationWarned.TryAdd((contractId, current), 0))
            {
                LogDeprecationShift(_logger, contractId, current, after, next);
            }

            RoutingTelemetry.RecordDeprecationShift(contractId, current, next);
            current = contract.ReplacedBy;
        }

        return current;
    }

    private PromptContract? TryResolve(string contractId, string? versionOrLabel)
    {
        if (_registry is InMemoryPromptRegistry builtIn)
        {
            return builtIn.TryResolve(contractId, versionOrLabel, out PromptContract? found) ? found : null;
        }

        try
        {
            return _registry!.Resolve(contractId, versionOrLabel);
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    private bool LabelMovedByHand(RolloutState state, string contractId, string label)
    {
        if (_registry is null)
        {
            return false;
        }

        string? current;
        InMemoryPromptRegistry? builtIn = _registry as InMemoryPromptRegistry;
        if (builtIn is not null)
        {
            current = builtIn.TryResolve(contractId, label, out PromptContract? contract) ? contract.Version : null;
        }
        else
        {
            try
            {
                current = _registry.Resolve(contractId, label).Version;
            }
            catch (KeyNotFoundException)
            {
                current = null;
            }
        }

        // With shared labels, the baseline is where code and prompt files put the label, so an instance that
        // starts after the fleet moved it agrees with the others that it was moved by hand.
        state.BaselineLabelVersion ??= builtIn is not null && builtIn.TryGetStartPosition(contractId, label, out string? start)
            ? start ?? string.Empty
            : current ?? string.Empty;
        return current is not null && !string.Equals(current, state.BaselineLabelVersion, StringComparison.Ordinal);
    }

    /// <summary>A stable position in [0, 1) for the request's subject; the same subject always gets the same position.</summary>
    internal static double Position(GovernanceContext context, string contractId)
    {
        string? subject = context.UserId ?? context.ConversationId;
        if (subject is null && context.TenantId is null)
        {
            return Random.Shared.NextDouble();
        }

        string key = string.Concat(context.TenantId, "\u001f", subject, "\u001f", contractId);
        int byteCount = Encoding.UTF8.GetByteCount(key);
        Span<byte> bytes = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(key, bytes);
        ulong hash = XxHash64.HashToUInt64(bytes);
        return (hash >> 11) * (1.0 / (1UL << 53));
    }

    private ShadowRun? StartShadow(Route route, IEnumerable<ChatMessage> messages, ChatOptions? original)
    {
        RolloutOptions rollout = route.State!.Rollout;
        if (rollout.ShadowVersion is not { } shadowVersion ||
            string.Equals(shadowVersion, route.Version, StringComparison.Ordinal) ||
            route.State.RolledBack.ContainsKey(shadowVersion) ||
            (rollout.ShadowSampleRate < 1.0 && Random.Shared.NextDouble() >= rollout.ShadowSampleRate) ||
            !_controller.TryEnterShadow())
        {
            return null;
        }

        var run = new ShadowRun();
        List<ChatMessage> snapshot = new(messages);
        var observed = new GovernedCall();
        ChatOptions shadowOptions = ShadowOptions(original!, shadowVersion, observed);
        ActivityContext primary = route.Call?.Activity?.Context ?? Activity.Current?.Context ?? default;
        var job = new ShadowJob(route.State, shadowVersion, snapshot, shadowOptions, observed, original!.Tools, primary, run, original.GetGovernanceContext()?.TenantId);
        _ = Task.Run(() => RunShadowAsync(job));
        return run;
    }

    private async Task RunShadowAsync(ShadowJob job)
    {
        RolloutState state = job.State;
        ActivityLink[]? links = job.Primary == default ? null : [new ActivityLink(job.Primary)];
        using Activity? activity = GovernedAiTelemetry.ActivitySource.HasListeners()
            ? GovernedAiTelemetry.ActivitySource.StartActivity(RoutingTelemetry.ShadowSpan, ActivityKind.Internal, parentContext: default, links: links)
            : null;
        activity?.SetTag(TelemetryNames.Attributes.ContractId, state.ContractId);
        activity?.SetTag(RoutingTelemetry.ShadowVersion, job.Version);
        DateTimeOffset startedAt = _controller.TimeProvider.GetUtcNow();
        long started = _controller.TimeProvider.GetTimestamp();
        ChatResponse? response = null;
        Exception? error = null;
        string? problem = null;
        try
        {
            response = await base.GetResponseAsync(job.Messages, job.Options, _controller.ShutdownToken).ConfigureAwait(false);
            if (ShadowScoring.CheckToolCalls(response, job.Tools) is { } problems)
            {
                problem = string.Join("; ", problems);
            }
        }
        catch (OperationCanceledException) when (_controller.ShutdownToken.IsCancellationRequested)
        {
            _controller.ExitShadow();
            RoutingTelemetry.RecordShadow(state.ContractId, job.Version, string.Empty, "cancelled", null);
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ex;
            problem = ex is GovernedAiException ? ex.Message : ex.GetType().FullName;
            activity?.SetTag(TelemetryNames.Attributes.ErrorType, ex.GetType().FullName);
            LogShadowFailed(_logger, state.ContractId, job.Version, ex);
        }

        _controller.ExitShadow();
        double latency = _controller.TimeProvider.GetElapsedTime(started).TotalMilliseconds;
        RolloutOutcome outcome = RolloutOutcomes.Classify(job.Observed, error, latency, response?.Usage, CancellationToken.None);
        if (problem is not null && error is null)
        {
            outcome = outcome with { Kind = RolloutOutcomeKind.ToolRejected };
        }

        // Shadow answers count toward the candidate's health: a broken shadow is rolled back (and stops being shadowed).
        _controller.Record(state, job.Version, "shadow", outcome, shadow: true, activity);

        PrimaryResult? primary;
        try
        {
            primary = await job.Run.Primary.WaitAsync(_controller.ShutdownToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        double? agreement = outcome.HasAnswer && primary is { Outcome.HasAnswer: true } ? ShadowScoring.Agreement(primary.Response, response) : null;
        string primaryVersion = primary?.Version ?? string.Empty;
        if (activity is not null)
        {
            activity.SetTag(RoutingTelemetry.ShadowOutcome, outcome.Name);
            activity.SetTag(RoutingTelemetry.ShadowDuration, latency);
            activity.SetTag(RoutingTelemetry.PrimaryVersion, primaryVersion);
            if (primary is not null)
            {
                activity.SetTag(RoutingTelemetry.ShadowPrimaryOutcome, primary.Outcome.Name);
            }

            if (agreement is double value)
            {
                activity.SetTag(RoutingTelemetry.ShadowAgreement, value);
            }

            if (response?.Usage is { } usage)
            {
                activity.SetTag(RoutingTelemetry.ShadowInputTokens, usage.InputTokenCount);
                activity.SetTag(RoutingTelemetry.ShadowOutputTokens, usage.OutputTokenCount);
            }
        }

        RoutingTelemetry.RecordShadow(state.ContractId, job.Version, primaryVersion, outcome.Name, agreement);
        if (primary is null || !_controller.ChangeLog.HasAuditSinks)
        {
            return;
        }

        var comparison = new ShadowComparison
        {
            PrimaryVersion = primary.Version,
            ShadowVersion = job.Version,
            PrimaryOutcome = primary.Outcome.Name,
            ShadowOutcome = outcome.Name,
            ShadowProblem = problem,
            Agreement = agreement,
            PrimaryLatencyMs = primary.Outcome.LatencyMs,
            ShadowLatencyMs = latency,
            PrimaryTokens = primary.Outcome.Tokens,
            ShadowTokens = outcome.Tokens,
        };
        _controller.ChangeLog.WriteAudit(new DecisionRecord
        {
            Timestamp = startedAt,
            DurationMs = latency,
            TraceId = job.Primary.TraceId == default ? null : job.Primary.TraceId.ToHexString(),
            SpanId = activity?.SpanId.ToHexString(),
            TenantId = job.TenantId,
            ContractId = state.ContractId,
            ContractVersion = job.Version,
            Variant = "shadow",
            ContractLabel = state.Rollout.Label,
            RenderedPromptHash = job.Observed.RenderedPromptHash,
            ValidationOutcome = job.Observed.ValidationOutcome,
            ValidationAttempts = job.Observed.ValidationAttempts,
            InputTokens = response?.Usage?.InputTokenCount,
            OutputTokens = response?.Usage?.OutputTokenCount,
            TotalTokens = response?.Usage?.TotalTokenCount,
            Outcome = outcome.Kind switch
            {
                RolloutOutcomeKind.Ok or RolloutOutcomeKind.Reasked => "ok",
                RolloutOutcomeKind.Fallback => "fallback",
                RolloutOutcomeKind.ContractFailure or RolloutOutcomeKind.ToolRejected or RolloutOutcomeKind.Rejected => "rejected",
                _ => "error",
            },
            ErrorType = error?.GetType().FullName,
            Shadow = comparison,
        });
    }

    /// <summary>The shadow's options: pinned to the shadow version, no idempotency key, its own call state (never the primary's), and tools offered as declarations only so nothing runs.</summary>
    private static ChatOptions ShadowOptions(ChatOptions original, string version, GovernedCall observed)
    {
        ChatOptions shadow = original.Clone();
        GovernanceContext context = original.GetGovernanceContext()!.Clone();
        context.ContractVersion = version;
        context.IdempotencyKey = null;
        var properties = new AdditionalPropertiesDictionary();
        foreach (KeyValuePair<string, object?> property in original.AdditionalProperties!)
        {
            if (property.Key != GovernedCall.PropertyKey)
            {
                properties[property.Key] = property.Value;
            }
        }

        properties[GovernanceContext.PropertyKey] = context;
        properties[GovernedCall.PropertyKey] = observed;
        shadow.AdditionalProperties = properties;
        if (original.Tools is { Count: > 0 } tools)
        {
            var declarations = new List<AITool>(tools.Count);
            foreach (AITool tool in tools)
            {
                declarations.Add(tool is AIFunction function ? function.AsDeclarationOnly() : tool);
            }

            shadow.Tools = declarations;
        }

        return shadow;
    }

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Shadow call to version {Version} of contract {ContractId} failed; the primary answer is unaffected.")]
    private static partial void LogShadowFailed(ILogger logger, string contractId, string version, Exception exception);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Contract {ContractId} version {Version} is deprecated since {DeprecatedAfter:O}; its label and rollout traffic moves to version {ReplacedBy}.")]
    private static partial void LogDeprecationShift(ILogger logger, string contractId, string version, DateTimeOffset deprecatedAfter, string replacedBy);

    /// <summary>Where a request goes: with a rollout, its state, variant and the version served (after any deprecation shift); without one, only shifted options.</summary>
    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Route(RolloutState? State, RolloutVariant? Variant, string? Version, ChatOptions? Options, GovernedCall? Call, GovernedCall? Observed);

    /// <summary>What the primary call gave, for the shadow comparison.</summary>
    private sealed record PrimaryResult(string Version, RolloutOutcome Outcome, ChatResponse? Response);

    /// <summary>Hands the primary's result to its shadow; set exactly once, with <see langword="null"/> when the primary was cancelled.</summary>
    private sealed class ShadowRun
    {
        private readonly TaskCompletionSource<PrimaryResult?> _primary = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<PrimaryResult?> Primary => _primary.Task;

        public void SetPrimary(PrimaryResult? result) => _primary.TrySetResult(result);
    }

    private sealed record ShadowJob(
        RolloutState State, string Version, List<ChatMessage> Messages, ChatOptions Options, GovernedCall Observed,
        IList<AITool>? Tools, ActivityContext Primary, ShadowRun Run, string? TenantId);
}
