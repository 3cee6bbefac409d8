using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
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
/// deterministic weighted split (A/B, canary), an optional shadow copy to a candidate version, and
/// automatic rollback of a candidate whose failure rate crosses its threshold.
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
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        FindRollout(options, out _, out _, out _)
            ? GetRoutedResponseAsync(messages, options, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);

    private async Task<ChatResponse> GetRoutedResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        Route route = await DecideAsync(options).ConfigureAwait(false);
        if (route.State is null)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        StartShadow(route, messages, options);
        try
        {
            ChatResponse response = await base.GetResponseAsync(messages, route.Options, cancellationToken).ConfigureAwait(false);
            _controller.Record(route.State, route.Variant!.Version, failed: false, route.Call?.Activity, route.Call);
            return response;
        }
        catch (Exception ex) when (IsCountedFailure(ex, cancellationToken))
        {
            _controller.Record(route.State, route.Variant!.Version, failed: true, route.Call?.Activity, route.Call);
            throw;
        }
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        FindRollout(options, out _, out _, out _)
            ? GetRoutedStreamingResponseAsync(messages, options, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);

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
        IEnumerable<ChatMessage> messages, ChatOptions? original, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Route route = await DecideAsync(original).ConfigureAwait(false);
        if (route.State is null)
        {
            await foreach (ChatResponseUpdate unrouted in base.GetStreamingResponseAsync(messages, original, cancellationToken).ConfigureAwait(false))
            {
                yield return unrouted;
            }

            yield break;
        }

        StartShadow(route, messages, original);
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
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex) when (IsCountedFailure(ex, cancellationToken))
                {
                    _controller.Record(route.State!, route.Variant!.Version, failed: true, route.Call?.Activity, route.Call);
                    throw;
                }

                yield return update;
            }

            _controller.Record(route.State!, route.Variant!.Version, failed: false, route.Call?.Activity, route.Call);
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Finds the rollout that routes the request, if any.</summary>
    private bool FindRollout(ChatOptions? options, [NotNullWhen(true)] out GovernanceContext? context, [NotNullWhen(true)] out string? contractId, [NotNullWhen(true)] out RolloutOptions? rollout)
    {
        context = GovernedCall.ContextOf(options);
        contractId = context?.ContractId;
        rollout = null;
        return contractId is not null &&
            Options.Rollouts.Count != 0 &&
            Options.Rollouts.TryGetValue(contractId, out rollout) &&
            rollout.Variants.Count != 0 &&
            (context!.ContractVersion is null || string.Equals(context.ContractVersion, rollout.Label, StringComparison.Ordinal));
    }

    private async ValueTask<Route> DecideAsync(ChatOptions? options)
    {
        if (!FindRollout(options, out GovernanceContext? context, out string? contractId, out RolloutOptions? rollout))
        {
            return default;
        }

        RolloutState state = _controller.GetState(contractId, rollout);
        await _controller.RefreshIfDueAsync(state).ConfigureAwait(false);
        return Decide(options, context, contractId, rollout, state);
    }

    private Route Decide(ChatOptions? options, GovernanceContext context, string contractId, RolloutOptions rollout, RolloutState state)
    {
        if (LabelMovedByHand(state, contractId, rollout.Label))
        {
            return default;
        }

        RolloutVariant? variant = RolloutController.Choose(state, Position(context, contractId));
        if (variant is null)
        {
            return default;
        }

        GovernanceContext routed = context.Clone();
        routed.ContractVersion = variant.Version;
        ChatOptions routedOptions = options?.Clone() ?? new ChatOptions();
        if (variant.ModelId is not null)
        {
            routedOptions.ModelId = variant.ModelId;
        }

        if (GovernedCall.Current is { } current)
        {
            // Inside the governed pipeline the routed version and client travel in the call's own state.
            current.Context = routed;
            current.VariantClientKey = variant.ClientKey;
        }
        else
        {
            (routedOptions.AdditionalProperties ??= new AdditionalPropertiesDictionary())[GovernanceContext.PropertyKey] = routed;
            if (variant.ClientKey is not null)
            {
                routedOptions.AdditionalProperties[VariantClientChatClient.ClientKeyProperty] = variant.ClientKey;
            }
        }

        GovernedCall? call = GovernedCall.Observed;
        if (call is not null)
        {
            call.ContractLabel = rollout.Label;
            call.Activity?.SetTag(RoutingTelemetry.ContractLabel, rollout.Label);
            call.SetVariant(variant.Name ?? variant.Version);
        }

        return new Route(state, variant, routedOptions, call, context);
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
            catch (Exception ex) when (ex is ContractNotFoundException or KeyNotFoundException)
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

    private void StartShadow(Route route, IEnumerable<ChatMessage> messages, ChatOptions? original)
    {
        RolloutOptions rollout = route.State!.Rollout;
        if (rollout.ShadowVersion is not { } shadowVersion ||
            string.Equals(shadowVersion, route.Variant!.Version, StringComparison.Ordinal) ||
            route.State.RolledBack.ContainsKey(shadowVersion) ||
            (rollout.ShadowSampleRate < 1.0 && Random.Shared.NextDouble() >= rollout.ShadowSampleRate) ||
            !_controller.TryEnterShadow())
        {
            return;
        }

        List<ChatMessage> snapshot = new(messages);
        ChatOptions shadowOptions = ShadowOptions(original);
        GovernanceContext shadowContext = route.Unrouted!.Clone();
        shadowContext.ContractVersion = shadowVersion;
        shadowContext.IdempotencyKey = null;
        ActivityContext primary = route.Call?.Activity?.Context ?? Activity.Current?.Context ?? default;
        _ = Task.Run(() => RunShadowAsync(route.State, shadowVersion, snapshot, shadowOptions, shadowContext, primary));
    }

    private async Task RunShadowAsync(RolloutState state, string version, List<ChatMessage> messages, ChatOptions options, GovernanceContext context, ActivityContext primary)
    {
        // The shadow is a call of its own: the primary's state (decisions, audit) never sees it.
        GovernedCall.Current = new GovernedCall { Context = context };
        ActivityLink[]? links = primary == default ? null : [new ActivityLink(primary)];
        using Activity? activity = GovernedAiTelemetry.ActivitySource.HasListeners()
            ? GovernedAiTelemetry.ActivitySource.StartActivity(RoutingTelemetry.ShadowSpan, ActivityKind.Internal, parentContext: default, links: links)
            : null;
        activity?.SetTag(TelemetryNames.Attributes.ContractId, state.ContractId);
        activity?.SetTag(RoutingTelemetry.ShadowVersion, version);
        long started = Stopwatch.GetTimestamp();
        string outcome;
        try
        {
            ChatResponse response = await base.GetResponseAsync(messages, options, _controller.ShutdownToken).ConfigureAwait(false);
            outcome = "passed";
            if (activity is not null && response.Usage is { } usage)
            {
                activity.SetTag(RoutingTelemetry.ShadowInputTokens, usage.InputTokenCount);
                activity.SetTag(RoutingTelemetry.ShadowOutputTokens, usage.OutputTokenCount);
            }

            _controller.Record(state, version, failed: false, activity);
        }
        catch (OperationCanceledException) when (_controller.ShutdownToken.IsCancellationRequested)
        {
            outcome = "cancelled";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            outcome = ex is ContractViolationException ? "failed" : "error";
            activity?.SetTag(TelemetryNames.Attributes.ErrorType, ex.GetType().FullName);
            if (ex is GovernedAiException { IsExpectedOutcome: true })
            {
                LogShadowRejected(_logger, state.ContractId, version);
            }
            else
            {
                LogShadowFailed(_logger, state.ContractId, version, ex);
            }

            _controller.Record(state, version, failed: true, activity);
        }
        finally
        {
            _controller.ExitShadow();
        }

        activity?.SetTag(RoutingTelemetry.ShadowOutcome, outcome);
        activity?.SetTag(RoutingTelemetry.ShadowDuration, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        RoutingTelemetry.RecordShadow(state.ContractId, version, outcome);
    }

    /// <summary>The shadow's options: no governance data (the shadow's context, pinned to its version, is its call's state), and tools offered as declarations only so nothing runs.</summary>
    private static ChatOptions ShadowOptions(ChatOptions? original)
    {
        ChatOptions? shadow = original;
        GovernanceOptions.TakeGovernanceData(ref shadow, out _);
        shadow = ReferenceEquals(shadow, original) ? original?.Clone() ?? new ChatOptions() : shadow!;
        if (shadow.Tools is { Count: > 0 } tools)
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

    private static bool IsCountedFailure(Exception ex, CancellationToken cancellationToken) =>
        !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Shadow call to version {Version} of contract {ContractId} failed; the primary answer is unaffected.")]
    private static partial void LogShadowFailed(ILogger logger, string contractId, string version, Exception exception);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Debug, Message = "Shadow call to version {Version} of contract {ContractId} was rejected by governance (an expected outcome, counted in its rollout); the primary answer is unaffected.")]
    private static partial void LogShadowRejected(ILogger logger, string contractId, string version);

    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Route(RolloutState? State, RolloutVariant? Variant, ChatOptions? Options, GovernedCall? Call, GovernanceContext? Unrouted);
}
