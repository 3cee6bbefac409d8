using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>
/// The outermost stage of the governed pipeline: takes the request's governance data off its options into a
/// <see cref="GovernedCall"/> that the inner stages record their decisions in, and when the call ends hands it to
/// the span (<see cref="RequestSpan"/>), the duration metric (<see cref="RequestMetrics"/>), the log
/// (<see cref="RequestLog"/>) and the audit (<see cref="RequestAudit"/>).
/// </summary>
/// <remarks>
/// When nothing observes the call (no listener on <see cref="GovernedAiTelemetry.SourceName"/>, no audit sink, Debug
/// logging off), none of these run. Prompt text and answers reach the span and the Trace log only when
/// <see cref="GovernedAiOptions.EnableSensitiveData"/> is on, and then redacted (<see cref="SensitiveDataFormatter"/>).
/// Thread-safe: all per-call state lives in the call's <see cref="GovernedCall"/>.
/// </remarks>
internal sealed class GovernedRequestChatClient : DelegatingChatClient
{
    internal const string OutcomeOk = "ok";
    internal const string OutcomeFallback = "fallback";
    internal const string OutcomeReplayed = "replayed";
    internal const string OutcomeRejected = "rejected";
    internal const string OutcomeCancelled = "cancelled";
    internal const string OutcomeError = "error";

    private readonly RequestAudit _audit;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SensitiveDataFormatter? _sensitive;
    private readonly ContractMetricTags _metricTags;

    /// <summary>Initializes the stage with what it uses; <see cref="Create"/> resolves these for a pipeline.</summary>
    /// <param name="innerClient">The rest of the pipeline.</param>
    /// <param name="sinks">The audit sinks each observed call's decision record goes to.</param>
    /// <param name="logger">The request log.</param>
    /// <param name="timeProvider">The clock the audit's timestamps come from.</param>
    /// <param name="sensitive">Redacts messages and answers for the span and the Trace log; <see langword="null"/> when sensitive data is not captured.</param>
    /// <param name="metricTags">Bounds the contract tags of the request metrics, for the pipeline or the service provider.</param>
    public GovernedRequestChatClient(
        IChatClient innerClient, IAuditSink[] sinks, ILogger logger, TimeProvider timeProvider, SensitiveDataRedactor? sensitive, ContractMetricTags metricTags)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metricTags);
        _logger = logger;
        _audit = new RequestAudit(sinks, logger);
        _timeProvider = timeProvider;
        _sensitive = sensitive is null ? null : new SensitiveDataFormatter(sensitive);
        _metricTags = metricTags;
    }

    /// <summary>
    /// Creates the stage for a pipeline: its sinks, logger, clock, PII redactor and metric tag bound come from
    /// <paramref name="services"/> (registered once per service provider by <c>AddGovernedAi()</c>); what is not
    /// registered there is created for this pipeline alone, never shared with other pipelines.
    /// </summary>
    public static GovernedRequestChatClient Create(IChatClient innerClient, GovernedAiOptions? options, IServiceProvider? services)
    {
        options ??= services?.GetService<IOptions<GovernedAiOptions>>()?.Value ?? new GovernedAiOptions();
        ILogger logger = services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(GovernedRequestChatClient)) ?? NullLogger.Instance;
        IAuditSink[] sinks = services?.GetService<IEnumerable<IAuditSink>>() is { } registered ? new List<IAuditSink>(registered).ToArray() : [];
        SensitiveDataRedactor? sensitive = null;
        if (options.EnableSensitiveData)
        {
            PiiRedactor redactor = services?.GetService<PiiRedactor>() ?? new PiiRedactor(
                services?.GetService<IPiiRecognizer>() ?? new DefaultPiiRecognizer(),
                options.DataProtection,
                services?.GetService<IRedactorProvider>());
            sensitive = new SensitiveDataRedactor(redactor);
        }

        return new GovernedRequestChatClient(
            innerClient,
            sinks,
            logger,
            services?.GetService<TimeProvider>() ?? TimeProvider.System,
            sensitive,
            services?.GetService<ContractMetricTags>() ?? new ContractMetricTags(ContractMetricTags.DefaultMaxCombinations));
    }

    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        !NeedsCall(options, out bool observed) ? base.GetResponseAsync(messages, options, cancellationToken)
        : observed ? GetGovernedResponseAsync(messages, options, cancellationToken)
        : GetUnobservedResponse(messages, options, cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        NeedsCall(options, out bool observed)
            ? GetGovernedStreamingResponseAsync(messages, options, observed, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);

    /// <summary>A call needs its state when something observes it, when the request carries governance data to take off its options, or to end an outer call's state.</summary>
    private bool NeedsCall(ChatOptions? options, out bool observed)
    {
        observed = IsObserved();
        return observed || GovernanceOptions.HasGovernanceData(options) || GovernedCall.Current is not null;
    }

    private bool IsObserved() =>
        _audit.IsEnabled ||
        GovernedAiTelemetry.ActivitySource.HasListeners() ||
        GovernedAiTelemetry.RequestDuration.Enabled ||
        _logger.IsEnabled(LogLevel.Debug);

    /// <summary>
    /// A call nothing observes has nothing to record when it ends: its state is made current for the stages below, and the
    /// caller's put back as soon as they have returned their task (an async stage below has captured the call's state by
    /// then), so this stage runs no state machine of its own.
    /// </summary>
    private Task<ChatResponse> GetUnobservedResponse(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        GovernedCall? outer = GovernedCall.Current;
        try
        {
            _ = Begin(ref options, observed: false, streaming: false);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception ex)
        {
            return CallFailure.AsTask(ex);
        }
        finally
        {
            GovernedCall.Current = outer;
        }
    }

    private async Task<ChatResponse> GetGovernedResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        GovernedCall call = Begin(ref options, observed: true, streaming: false);
        CallRecord? record = call.Record;
        try
        {
            ChatResponse response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            if (record is not null)
            {
                record.Completed = true;
                record.Usage = response.Usage ?? record.Usage;
                if (CapturesSensitiveData(record.Activity))
                {
                    record.Output = response.Text;
                }
            }

            return response;
        }
        catch (Exception ex) when (record is not null)
        {
            record.Error = ex;
            throw;
        }
        finally
        {
            End(call, messages);
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetGovernedStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, bool observed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        GovernedCall call = Begin(ref options, observed, streaming: true);
        CallRecord? record = call.Record;
        StringBuilder? output = CapturesSensitiveData(record?.Activity) ? new StringBuilder() : null;
        UsageDetails? usage = null;
        try
        {
            IAsyncEnumerator<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    ChatResponseUpdate update;
                    try
                    {
                        // An iterator resumes after a yield in its consumer's execution context: make the call current again
                        // for the stages below, whose next model call (inside the tool loop) may start now.
                        if (GovernedCall.Current != call)
                        {
                            GovernedCall.Current = call;
                        }

                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            if (record is not null)
                            {
                                record.Completed = true;
                            }

                            break;
                        }

                        update = updates.Current;
                    }
                    catch (Exception ex) when (record is not null)
                    {
                        record.Error = ex;
                        throw;
                    }

                    Observe(update, ref usage, output);
                    yield return update;
                }
            }
            finally
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (record is not null)
            {
                record.Output = output?.ToString();
                record.Usage = usage ?? record.Usage;
            }

            End(call, messages);
        }
    }

    private static void Observe(ChatResponseUpdate update, ref UsageDetails? usage, StringBuilder? output)
    {
        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case UsageContent usageContent:
                    (usage ??= new UsageDetails()).Add(usageContent.Details);
                    break;
                case TextContent text when output is not null:
                    output.Append(text.Text);
                    break;
            }
        }
    }

    private bool CapturesSensitiveData(Activity? activity) =>
        _sensitive is not null && (activity is { IsAllDataRequested: true } || _logger.IsEnabled(LogLevel.Trace));

    /// <summary>Takes the request's governance data off its options into the call's state and makes that state current; the caller's options are never changed.</summary>
    private GovernedCall Begin(ref ChatOptions? options, bool observed, bool streaming)
    {
        ChatOptions? callers = options;
        GovernanceContext? context = GovernanceOptions.TakeGovernanceData(ref options, out int? maxInputTokens);
        var call = new GovernedCall
        {
            MaxInputTokens = maxInputTokens,
            IsObserved = observed,
            Streaming = streaming,
            OwnedOptions = ReferenceEquals(options, callers) ? null : options,
        };
        call.ShareCallersContext(context);
        GovernedCall.Current = call;
        if (!observed)
        {
            return call;
        }

        CallRecord record = call.Record!;
        record.StartedAt = _timeProvider.GetUtcNow();
        record.StartTimestamp = Stopwatch.GetTimestamp();
        record.RequestedContractId = context?.ContractId;
        record.Activity = RequestSpan.Start(context);
        if (record.Activity is null)
        {
            record.ParentContext = Activity.Current?.Context ?? default;
        }

        return call;
    }

    private void End(GovernedCall call, IEnumerable<ChatMessage> messages)
    {
        if (call.Record is not { } record)
        {
            return;
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(record.StartTimestamp);
        string outcome = DecideOutcome(record);
        record.Outcome = outcome;
        RequestSpan.Complete(call, outcome, messages, _sensitive);
        RequestMetrics.Record(record, _metricTags, outcome, elapsed);
        RequestLog.Write(_logger, call, outcome, elapsed, messages, _sensitive);
        _audit.Write(call, outcome, elapsed);
        record.Activity?.Dispose();
    }

    private static string DecideOutcome(CallRecord call) =>
        call.Error switch
        {
            OperationCanceledException => OutcomeCancelled,
            GovernedAiException { IsExpectedOutcome: true } => OutcomeRejected,
            not null => OutcomeError,
            null when !call.Completed => OutcomeCancelled,
            _ => call.Outcome
                ?? (call.Idempotency?.Outcome == OutcomeReplayed ? OutcomeReplayed
                : call.Contract?.ValidationOutcome == OutcomeFallback ? OutcomeFallback
                : OutcomeOk),
        };
}
