using System;
using System.Collections.Generic;
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
public sealed class PromptRoutingChatClient : DelegatingChatClient
{
    private readonly RolloutController _controller;
    private readonly bool _ownsController;
    private readonly IPromptRegistry? _registry;
    private readonly DeprecatedVersions? _deprecated;
    private readonly RolloutShadows _shadows;

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
        logger ??= NullLogger.Instance;
        _ownsController = controller is null;
        _controller = controller ?? new RolloutController(new InMemoryRolloutStateStore(), options, TimeProvider.System, logger);
        _deprecated = registry is null ? null : new DeprecatedVersions(registry, _controller.TimeProvider, logger);
        _shadows = new RolloutShadows(innerClient, _controller, logger);
    }

    /// <summary>Gets the stage's options.</summary>
    public PromptRoutingOptions Options { get; }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (FindRollout(options, out GovernanceContext? context, out _))
        {
            return GetRoutedResponseAsync(messages, options, cancellationToken);
        }

        // No rollout: nothing to await; a deprecated version's traffic still moves to its replacement.
        Route shifted = ShiftLabelTraffic(context, options);
        return base.GetResponseAsync(messages, shifted.Options ?? options, cancellationToken);
    }

    private async Task<ChatResponse> GetRoutedResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        Route route = FindRollout(options, out GovernanceContext? context, out RolloutOptions? rollout)
            ? await RouteAsync(options, context, rollout).ConfigureAwait(false)
            : ShiftLabelTraffic(context, options);
        if (route.State is null)
        {
            return await base.GetResponseAsync(messages, route.Options ?? options, cancellationToken).ConfigureAwait(false);
        }

        route.MakeCurrent();
        ShadowRun? shadow = _shadows.Start(route.State, route.Version!, route.Unrouted!, route.Call, messages, options);
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
        if (FindRollout(options, out GovernanceContext? context, out RolloutOptions? rollout))
        {
            return GetRoutedStreamingResponseAsync(messages, options, context, rollout, cancellationToken);
        }

        Route shifted = ShiftLabelTraffic(context, options);
        return base.GetStreamingResponseAsync(messages, shifted.Options ?? options, cancellationToken);
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
        IEnumerable<ChatMessage> messages, ChatOptions? original, GovernanceContext context, RolloutOptions rollout, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Route route = await RouteAsync(original, context, rollout).ConfigureAwait(false);
        if (route.State is null)
        {
            await foreach (ChatResponseUpdate unrouted in base.GetStreamingResponseAsync(messages, route.Options ?? original, cancellationToken).ConfigureAwait(false))
            {
                yield return unrouted;
            }

            yield break;
        }

        route.MakeCurrent();
        ShadowRun? shadow = _shadows.Start(route.State, route.Version!, route.Unrouted!, route.Call, messages, original);
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
                    // An iterator resumes in its consumer's execution context: a call state of this stage's own is made current again.
                    route.MakeCurrent();
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
        RolloutOutcome outcome = RolloutOutcomes.Classify(route.Recorder, error, latency, usage, cancellationToken);
        _controller.Record(route.State!, route.Version!, route.Variant!.Name ?? route.Variant.Version, outcome, shadow: false, route.Call?.Record?.Activity, route.Call);
        shadow?.SetPrimary(new PrimaryResult(route.Version!, outcome, response));
    }

    /// <summary>Finds the rollout that routes the request, if any; the request's context either way.</summary>
    private bool FindRollout(ChatOptions? options, [NotNullWhen(true)] out GovernanceContext? context, [NotNullWhen(true)] out RolloutOptions? rollout)
    {
        context = GovernedCall.ContextOf(options);
        rollout = null;
        return context?.ContractId is { } contractId &&
            Options.Rollouts.Count != 0 &&
            Options.Rollouts.TryGetValue(contractId, out rollout) &&
            rollout.Variants.Count != 0 &&
            (context.ContractVersion is null || string.Equals(context.ContractVersion, rollout.Label, StringComparison.Ordinal));
    }

    private async ValueTask<Route> RouteAsync(ChatOptions? options, GovernanceContext context, RolloutOptions rollout)
    {
        string contractId = context.ContractId!;
        RolloutState state = _controller.GetState(contractId, rollout);
        await _controller.RefreshIfDueAsync(state).ConfigureAwait(false);
        if (LabelMovedByHand(state, contractId, rollout.Label))
        {
            return ShiftLabelTraffic(context, options);
        }

        RolloutVariant? variant = RolloutController.Choose(state, Position(context, contractId));
        if (variant is null)
        {
            return default;
        }

        string version = _deprecated?.Follow(contractId, variant.Version) ?? variant.Version;
        GovernanceContext routed = context.Clone();
        routed.ContractVersion = version;
        ChatOptions routedOptions = options?.Clone() ?? new ChatOptions();
        if (variant.ModelId is not null)
        {
            routedOptions.ModelId = variant.ModelId;
        }

        GovernedCall? observed;
        GovernedCall recorder;
        GovernedCall? own = null;
        if (GovernedCall.Current is { } current)
        {
            // Inside the governed pipeline the routed version and client travel in the call's own state, which also
            // records what the inner stages decide (validation, tool calls): the version's health is read from it.
            observed = current.IsObserved ? current : null;
            current.Context = routed;
            current.VariantClientKey = variant.ClientKey;
            current.RecordsDecisions = true;
            recorder = current;
        }
        else
        {
            // Used without the governed pipeline: the options carry the routed context, and a call state of this
            // stage's own records the inner stages' decisions.
            (routedOptions.AdditionalProperties ??= new AdditionalPropertiesDictionary())[GovernanceContext.PropertyKey] = routed;
            if (variant.ClientKey is not null)
            {
                routedOptions.AdditionalProperties[VariantClientChatClient.ClientKeyProperty] = variant.ClientKey;
            }

            observed = null;
            own = new GovernedCall { Context = routed, VariantClientKey = variant.ClientKey, RecordsDecisions = true };
            recorder = own;
        }

        if (observed?.Record is { } record)
        {
            record.ForRouting().Routed(rollout.Label, variant.Name ?? variant.Version, record.Activity);
        }

        return new Route(state, variant, version, routedOptions, observed, recorder, own, context);
    }

    /// <summary>Moves a request that resolves a label (or no version) off a deprecated version to its replacement.</summary>
    private Route ShiftLabelTraffic(GovernanceContext? context, ChatOptions? options)
    {
        if (_deprecated is not { MayHoldDeprecated: true } || context?.ContractId is not { } contractId ||
            (context.ContractVersion is { } requested && SemanticVersion.TryParse(requested, out _)) ||
            _deprecated.TryResolve(contractId, context.ContractVersion) is not { DeprecatedAfter: not null } contract)
        {
            return default;
        }

        string version = _deprecated.Follow(contractId, contract.Version);
        if (string.Equals(version, contract.Version, StringComparison.Ordinal))
        {
            return default;
        }

        GovernanceContext shifted = context.Clone();
        shifted.ContractVersion = version;
        if (GovernedCall.Current is { } current)
        {
            current.Context = shifted;
            return default;
        }

        ChatOptions shiftedOptions = options?.Clone() ?? new ChatOptions();
        (shiftedOptions.AdditionalProperties ??= new AdditionalPropertiesDictionary())[GovernanceContext.PropertyKey] = shifted;
        return new Route(null, null, version, shiftedOptions, null, null, null, null);
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

    /// <summary>Where a request goes: with a rollout, its state, variant and the version served (after any deprecation shift); without one, only shifted options.</summary>
    /// <param name="State">The rollout, or <see langword="null"/> when the request is not routed by one.</param>
    /// <param name="Variant">The variant chosen.</param>
    /// <param name="Version">The version served.</param>
    /// <param name="Options">The options to send down.</param>
    /// <param name="Call">The call state when the outermost stage observes the call.</param>
    /// <param name="Recorder">The call state the inner stages record their decisions in.</param>
    /// <param name="Own">The stage's own call state, when used without the governed pipeline: made current for the inner call.</param>
    /// <param name="Unrouted">The request's context before routing, for the shadow.</param>
    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Route(
        RolloutState? State, RolloutVariant? Variant, string? Version, ChatOptions? Options, GovernedCall? Call, GovernedCall? Recorder, GovernedCall? Own, GovernanceContext? Unrouted)
    {
        public void MakeCurrent()
        {
            if (Own is not null && GovernedCall.Current != Own)
            {
                GovernedCall.Current = Own;
            }
        }
    }
}
