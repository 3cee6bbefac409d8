using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// Runs the shadow copy of a routed request on the rollout's shadow version, in the background: the answer is
/// validated like a primary one (tool calls included), counted toward the shadow version's health, compared with
/// the primary answer, and written to metrics and the audit. Its answer never reaches the caller.
/// </summary>
internal sealed partial class RolloutShadows
{
    private readonly IChatClient _inner;
    private readonly RolloutController _controller;
    private readonly ILogger _logger;

    public RolloutShadows(IChatClient inner, RolloutController controller, ILogger logger)
    {
        _inner = inner;
        _controller = controller;
        _logger = logger;
    }

    /// <summary>Starts the shadow call of a routed request when the rollout has one and a slot is free.</summary>
    /// <param name="state">The rollout.</param>
    /// <param name="servedVersion">The version the primary call runs on.</param>
    /// <param name="unrouted">The request's governance context before routing.</param>
    /// <param name="primaryCall">The primary's call state when it is observed (for the trace link).</param>
    /// <param name="messages">The request's messages.</param>
    /// <param name="original">The request's options.</param>
    /// <returns>The handle to give the primary's result to, or <see langword="null"/> when no shadow runs.</returns>
    public ShadowRun? Start(RolloutState state, string servedVersion, GovernanceContext unrouted, GovernedCall? primaryCall, IEnumerable<ChatMessage> messages, ChatOptions? original)
    {
        RolloutOptions rollout = state.Rollout;
        if (rollout.ShadowVersion is not { } shadowVersion ||
            string.Equals(shadowVersion, servedVersion, StringComparison.Ordinal) ||
            state.RolledBack.ContainsKey(shadowVersion) ||
            (rollout.ShadowSampleRate < 1.0 && Random.Shared.NextDouble() >= rollout.ShadowSampleRate) ||
            !_controller.TryEnterShadow())
        {
            return null;
        }

        var run = new ShadowRun();
        GovernanceContext context = unrouted.Clone();
        context.ContractVersion = shadowVersion;
        context.IdempotencyKey = null;

        // The shadow is a call of its own: the primary's state (decisions, audit) never sees it, and the
        // shadow's own state records what the inner stages decided, for its health.
        var call = new GovernedCall { Context = context, RecordsDecisions = true };
        ActivityContext primary = primaryCall?.Record?.Activity?.Context ?? Activity.Current?.Context ?? default;
        var job = new ShadowJob(state, shadowVersion, new List<ChatMessage>(messages), ShadowOptions(original), call, original?.Tools, primary, run, unrouted.TenantId);
        _ = Task.Run(() => RunAsync(job));
        return run;
    }

    private async Task RunAsync(ShadowJob job)
    {
        GovernedCall.Current = job.Call;
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
            response = await _inner.GetResponseAsync(job.Messages, job.Options, _controller.ShutdownToken).ConfigureAwait(false);
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
            if (ex is GovernedAiException { IsExpectedOutcome: true })
            {
                LogShadowRejected(_logger, state.ContractId, job.Version);
            }
            else
            {
                LogShadowFailed(_logger, state.ContractId, job.Version, ex);
            }
        }

        _controller.ExitShadow();
        double latency = _controller.TimeProvider.GetElapsedTime(started).TotalMilliseconds;
        RolloutOutcome outcome = RolloutOutcomes.Classify(job.Call, error, latency, response?.Usage, CancellationToken.None);
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
            RenderedPromptHash = job.Call.Record?.Contract?.RenderedPromptHash,
            ValidationOutcome = job.Call.Record?.Contract?.ValidationOutcome,
            ValidationAttempts = job.Call.Record?.Contract?.ValidationAttempts ?? 0,
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
            Shadow = new ShadowComparison
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
            },
        });
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

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Shadow call to version {Version} of contract {ContractId} failed; the primary answer is unaffected.")]
    private static partial void LogShadowFailed(ILogger logger, string contractId, string version, Exception exception);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Debug, Message = "Shadow call to version {Version} of contract {ContractId} was rejected by governance (an expected outcome, counted in its rollout); the primary answer is unaffected.")]
    private static partial void LogShadowRejected(ILogger logger, string contractId, string version);

    private sealed record ShadowJob(
        RolloutState State, string Version, List<ChatMessage> Messages, ChatOptions Options, GovernedCall Call,
        IList<AITool>? Tools, ActivityContext Primary, ShadowRun Run, string? TenantId);
}

/// <summary>What the primary call gave, for the shadow comparison.</summary>
internal sealed record PrimaryResult(string Version, RolloutOutcome Outcome, ChatResponse? Response);

/// <summary>Hands the primary's result to its shadow; set exactly once, with <see langword="null"/> when the primary was cancelled or abandoned.</summary>
internal sealed class ShadowRun
{
    private readonly TaskCompletionSource<PrimaryResult?> _primary = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<PrimaryResult?> Primary => _primary.Task;

    public void SetPrimary(PrimaryResult? result) => _primary.TrySetResult(result);
}
