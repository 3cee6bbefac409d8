using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>
/// The outermost stage of the governed pipeline: opens the <c>contracts_ai.request</c> span, gives
/// the inner stages a <see cref="GovernedCall"/> to record their decisions in, and when the call
/// ends records its outcome on the span, the request duration metric, the log and one
/// <see cref="DecisionRecord"/> per registered <see cref="IAuditSink"/>.
/// </summary>
/// <remarks>
/// When nothing observes the call (no listener on <see cref="GovernedAiTelemetry.SourceName"/>, no
/// audit sink, Debug logging off), the call passes straight through without allocating. Prompt text
/// and answers reach the span and the Trace log only when <see cref="GovernedAiOptions.EnableSensitiveData"/>
/// is on, and then redacted. Thread-safe: all per-call state lives in the call's <see cref="GovernedCall"/>.
/// </remarks>
internal sealed partial class GovernedRequestChatClient : DelegatingChatClient
{
    internal const string OutcomeOk = "ok";
    internal const string OutcomeFallback = "fallback";
    internal const string OutcomeReplayed = "replayed";
    internal const string OutcomeRejected = "rejected";
    internal const string OutcomeCancelled = "cancelled";
    internal const string OutcomeError = "error";

    // Telemetry attributes are not HTML: keep placeholders such as <EMAIL_ADDRESS> and non-ASCII text readable.
    private static readonly JsonWriterOptions JsonWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IAuditSink[] _auditSinks;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly bool _enableSensitiveData;
    private readonly SensitiveDataRedactor? _redactor;

    public GovernedRequestChatClient(IChatClient innerClient)
        : this(innerClient, null, null)
    {
    }

    public GovernedRequestChatClient(IChatClient innerClient, GovernedAiOptions? options, IServiceProvider? services)
        : base(innerClient)
    {
        options ??= services?.GetService<IOptions<GovernedAiOptions>>()?.Value;
        _enableSensitiveData = options?.EnableSensitiveData ?? new GovernedAiOptions().EnableSensitiveData;
        _auditSinks = services?.GetService<IEnumerable<IAuditSink>>() is { } sinks ? new List<IAuditSink>(sinks).ToArray() : [];
        _logger = services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(GovernedRequestChatClient)) ?? NullLogger.Instance;
        _timeProvider = services?.GetService<TimeProvider>() ?? TimeProvider.System;
        if (_enableSensitiveData)
        {
            _redactor = services?.GetService<PiiRedactor>() is { } redactor ? new SensitiveDataRedactor(redactor) : SensitiveDataRedactor.Default;
        }
    }

    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        NeedsCall(options, out bool observed)
            ? GetObservedResponseAsync(messages, options, observed, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        NeedsCall(options, out bool observed)
            ? GetObservedStreamingResponseAsync(messages, options, observed, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);

    /// <summary>A call needs its state when something observes it, when the request carries governance data to take off its options, or to end an outer call's state.</summary>
    private bool NeedsCall(ChatOptions? options, out bool observed)
    {
        observed = IsObserved();
        return observed || GovernanceOptions.HasGovernanceData(options) || GovernedCall.Current is not null;
    }

    private bool IsObserved() =>
        _auditSinks.Length != 0 ||
        GovernedAiTelemetry.ActivitySource.HasListeners() ||
        GovernedAiTelemetry.RequestDuration.Enabled ||
        _logger.IsEnabled(LogLevel.Debug);

    private async Task<ChatResponse> GetObservedResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, bool observed, CancellationToken cancellationToken)
    {
        var state = new CallState(Begin(ref options, observed), observed ? _timeProvider.GetUtcNow() : default, streaming: false);
        ChatResponse? response = null;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            state.Completed = true;
            state.Usage = response.Usage;
            if (CapturesSensitiveData(state.Call.Activity))
            {
                state.Output = response.Text;
            }

            return response;
        }
        catch (Exception ex)
        {
            state.Error = ex;
            throw;
        }
        finally
        {
            End(state, messages);
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetObservedStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, bool observed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new CallState(Begin(ref options, observed), observed ? _timeProvider.GetUtcNow() : default, streaming: true);
        StringBuilder? output = CapturesSensitiveData(state.Call.Activity) ? new StringBuilder() : null;
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
                        if (GovernedCall.Current != state.Call)
                        {
                            GovernedCall.Current = state.Call;
                        }

                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            state.Completed = true;
                            break;
                        }

                        update = updates.Current;
                    }
                    catch (Exception ex)
                    {
                        state.Error = ex;
                        throw;
                    }

                    Observe(update, ref state.Usage, output);
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
            state.Output = output?.ToString();
            End(state, messages);
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
        _enableSensitiveData && (activity is { IsAllDataRequested: true } || _logger.IsEnabled(LogLevel.Trace));

    /// <summary>Takes the request's governance data off its options into the call's state and makes that state current; the caller's options are never changed.</summary>
    private static GovernedCall Begin(ref ChatOptions? options, bool observed)
    {
        GovernanceContext? context = GovernanceOptions.TakeGovernanceData(ref options, out int? maxInputTokens);
        var call = new GovernedCall { Context = context, MaxInputTokens = maxInputTokens, IsObserved = observed };
        GovernedCall.Current = call;
        if (!observed)
        {
            return call;
        }

        Activity? activity = GovernedAiTelemetry.ActivitySource.StartActivity(TelemetryNames.Spans.Request, ActivityKind.Internal);
        call.Activity = activity;
        if (context is null)
        {
            return call;
        }

        call.ContractId = context.ContractId;
        if (activity is { IsAllDataRequested: true })
        {
            if (context.ContractId is not null)
            {
                activity.SetTag(TelemetryNames.Attributes.ContractId, context.ContractId);
            }

            if (context.TenantId is not null)
            {
                activity.SetTag(TelemetryNames.Attributes.TenantId, context.TenantId);
            }
        }

        return call;
    }

    private void End(CallState state, IEnumerable<ChatMessage> messages)
    {
        GovernedCall call = state.Call;
        if (!call.IsObserved)
        {
            return;
        }

        Activity? activity = call.Activity;
        TimeSpan elapsed = Stopwatch.GetElapsedTime(state.Started);
        string outcome = DecideOutcome(call, state.Error, state.Completed);
        UsageDetails? usage = state.Usage ?? call.Usage;
        call.Usage = usage;
        call.Outcome = outcome;

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryNames.Attributes.Outcome, outcome);
            if (call.ContractLabel is not null)
            {
                activity.SetTag(TelemetryNames.Attributes.ContractLabel, call.ContractLabel);
            }

            if (usage?.InputTokenCount is long inputTokens)
            {
                activity.SetTag(TelemetryNames.Attributes.GenAiUsageInputTokens, inputTokens);
            }

            if (usage?.OutputTokenCount is long outputTokens)
            {
                activity.SetTag(TelemetryNames.Attributes.GenAiUsageOutputTokens, outputTokens);
            }

            if (state.Error is { } error)
            {
                activity.SetTag(TelemetryNames.Attributes.ErrorType, error.GetType().FullName);
                activity.SetStatus(ActivityStatusCode.Error, GovernedAiException.DescribeForTelemetry(error));
            }

            if (_enableSensitiveData)
            {
                activity.SetTag(TelemetryNames.Attributes.GenAiInputMessages, FormatMessages(messages, call.ContractId));
                if (state.Output is not null)
                {
                    activity.SetTag(TelemetryNames.Attributes.GenAiOutputMessages, FormatOutput(state.Output, call.ContractId));
                }
            }
        }

        if (GovernedAiTelemetry.RequestDuration.Enabled)
        {
            var tags = default(TagList);
            ContractMetricTags.Add(ref tags, call);
            tags.Add(TelemetryNames.Attributes.Outcome, outcome);
            GovernedAiTelemetry.RequestDuration.Record(elapsed.TotalSeconds, tags);
        }

        Log(state, outcome, elapsed, messages);

        if (_auditSinks.Length != 0)
        {
            WriteAudit(state, outcome, elapsed, usage);
        }

        activity?.Dispose();
    }

    private static string DecideOutcome(GovernedCall call, Exception? error, bool completed) =>
        error switch
        {
            OperationCanceledException => OutcomeCancelled,
            GovernedAiException { IsExpectedOutcome: true } => OutcomeRejected,
            not null => OutcomeError,
            null when !completed => OutcomeCancelled,
            _ => call.Outcome
                ?? (call.IdempotencyOutcome == OutcomeReplayed ? OutcomeReplayed
                : call.ValidationOutcome == OutcomeFallback ? OutcomeFallback
                : OutcomeOk),
        };

    private void Log(CallState state, string outcome, TimeSpan elapsed, IEnumerable<ChatMessage> messages)
    {
        GovernedCall call = state.Call;
        switch (state.Error)
        {
            case null:
                LogCompleted(_logger, outcome, call.ContractId, call.ContractVersion, call.Variant, elapsed.TotalMilliseconds);
                break;
            case OperationCanceledException:
                LogCancelled(_logger, call.ContractId, call.ContractVersion, elapsed.TotalMilliseconds);
                break;
            case GovernedAiException { IsExpectedOutcome: true } rejected:
                // An expected outcome: a stack trace adds nothing, and the message may quote names the model wrote: the log
                // gets its kinds, the message only at Trace below.
                LogRejected(_logger, call.ContractId, call.ContractVersion, rejected.GetType().Name, rejected.TelemetryDescription);
                break;
            case GovernedAiException fault:
                // A set-up or dependency fault of ours: the stack trace helps, and the message holds no sensitive content.
                LogGovernanceFault(_logger, fault, call.ContractId, call.ContractVersion, fault.GetType().Name);
                break;
            default:
                // Provider errors may quote the request: the type goes into the log, the message only at Trace below.
                LogFailed(_logger, call.ContractId, call.ContractVersion, state.Error.GetType().FullName);
                break;
        }

        if (_enableSensitiveData)
        {
            LogSensitive(state, messages);
        }
    }

    private void LogSensitive(CallState state, IEnumerable<ChatMessage> messages)
    {
        if (!_logger.IsEnabled(LogLevel.Trace))
        {
            return;
        }

        string? contractId = state.Call.ContractId;
        string input = FormatMessages(messages, contractId);
        LogSensitiveInput(_logger, input);
        if (state.Output is not null)
        {
            string output = Redact(state.Output, contractId);
            LogSensitiveOutput(_logger, output);
        }

        if (state.Error is { } error)
        {
            string message = Redact(error.Message, contractId);
            LogSensitiveError(_logger, message);
        }
    }

    private void WriteAudit(CallState state, string outcome, TimeSpan elapsed, UsageDetails? usage)
    {
        GovernedCall call = state.Call;
        ToolCallRecord[] toolCalls = call.ToolCallsSnapshot();
        AuditedToolCall[] audited = toolCalls.Length == 0 ? [] : new AuditedToolCall[toolCalls.Length];
        for (int i = 0; i < toolCalls.Length; i++)
        {
            ToolCallRecord tool = toolCalls[i];
            audited[i] = new AuditedToolCall(tool.Name, tool.Outcome, tool.IdempotencyKeyHash, tool.Rejection) { DecidedBy = tool.DecidedBy };
        }

        ActivityContext traced = call.Activity?.Context ?? state.Parent;
        GovernanceContext? context = call.Context;
        var record = new DecisionRecord
        {
            Timestamp = state.StartedAt,
            DurationMs = elapsed.TotalMilliseconds,
            TraceId = traced.TraceId == default ? null : traced.TraceId.ToHexString(),
            SpanId = traced.SpanId == default ? null : traced.SpanId.ToHexString(),
            TenantId = context?.TenantId,
            SessionIdHash = context?.SessionId is { } sessionId ? SessionMemoryTelemetry.Hash(context.TenantId, context.UserId, sessionId) : null,
            ContractId = call.ContractId,
            ContractVersion = call.ContractVersion,
            Variant = call.Variant,
            ContractLabel = call.ContractLabel,
            RenderedPromptHash = call.RenderedPromptHash,
            ContextSources = context is { ContextSources.Count: > 0 } ? new List<ContextSource>(context.ContextSources) : Array.Empty<ContextSource>(),
            ToolCalls = audited,
            ValidationOutcome = call.ValidationOutcome,
            ValidationAttempts = call.ValidationAttempts,
            IdempotencyOutcome = call.IdempotencyOutcome,
            TokensBeforeBudget = call.TokensBefore,
            TokensAfterBudget = call.TokensAfter,
            MessagesDropped = call.MessagesDropped,
            InputTokens = usage?.InputTokenCount,
            OutputTokens = usage?.OutputTokenCount,
            TotalTokens = usage?.TotalTokenCount,
            Redactions = call.Redactions,
            ScreeningDetections = call.ScreeningDetections,
            RolloutEvents = call.RolloutEvents is { IsEmpty: false } events ? events.ToArray() : Array.Empty<string>(),
            Streaming = state.Streaming,
            Outcome = outcome,
            ErrorType = state.Error?.GetType().FullName,
        };

        foreach (IAuditSink sink in _auditSinks)
        {
            try
            {
                sink.Write(record);
            }
            catch (Exception ex)
            {
                // A failing sink never fails the user's call.
                string name = sink.GetType().Name;
                if (GovernedAiTelemetry.AuditFailures.Enabled)
                {
                    GovernedAiTelemetry.AuditFailures.Add(1, new TagList { { TelemetryNames.Attributes.AuditSink, name } });
                }

                LogSinkFailed(_logger, ex, name);
            }
        }
    }

    private string FormatMessages(IEnumerable<ChatMessage> messages, string? contractId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriterOptions))
        {
            json.WriteStartArray();
            foreach (ChatMessage message in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role.Value);
                json.WriteStartArray("parts");
                foreach (AIContent content in message.Contents)
                {
                    WritePart(json, content, contractId);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void WritePart(Utf8JsonWriter json, AIContent content, string? contractId)
    {
        switch (content)
        {
            case TextContent text:
                json.WriteStartObject();
                json.WriteString("type", "text");
                json.WriteString("content", Redact(text.Text, contractId));
                json.WriteEndObject();
                break;
            case FunctionCallContent toolCall:
                json.WriteStartObject();
                json.WriteString("type", "tool_call");
                json.WriteString("name", toolCall.Name);
                json.WriteString("arguments", Redact(SerializeArguments(toolCall.Arguments), contractId));
                json.WriteEndObject();
                break;
            case FunctionResultContent toolResult:
                json.WriteStartObject();
                json.WriteString("type", "tool_call_response");
                json.WriteString("response", Redact(toolResult.Result?.ToString(), contractId));
                json.WriteEndObject();
                break;
        }
    }

    private static string? SerializeArguments(IDictionary<string, object?>? arguments)
    {
        if (arguments is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
        }
        catch (NotSupportedException)
        {
            // An argument type the serializer does not know must not fail the call; its content is withheld.
            return SensitiveDataRedactor.Withheld;
        }
    }

    private string FormatOutput(string output, string? contractId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriterOptions))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteString("role", ChatRole.Assistant.Value);
            json.WriteStartArray("parts");
            json.WriteStartObject();
            json.WriteString("type", "text");
            json.WriteString("content", Redact(output, contractId));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private string Redact(string? text, string? contractId) => (_redactor ?? SensitiveDataRedactor.Default).Redact(text, contractId);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Governed call {Outcome}: contract {ContractId} {ContractVersion} variant {Variant} in {DurationMs} ms.")]
    private static partial void LogCompleted(ILogger logger, string outcome, string? contractId, string? contractVersion, string? variant, double durationMs);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Governed call cancelled: contract {ContractId} {ContractVersion} after {DurationMs} ms.")]
    private static partial void LogCancelled(ILogger logger, string? contractId, string? contractVersion, double durationMs);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Governed call rejected: contract {ContractId} {ContractVersion}, {ErrorType}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string? contractId, string? contractVersion, string errorType, string reason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Error, Message = "Governed call failed in governance: contract {ContractId} {ContractVersion}, {ErrorType}.")]
    private static partial void LogGovernanceFault(ILogger logger, Exception exception, string? contractId, string? contractVersion, string errorType);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Governed call failed: contract {ContractId} {ContractVersion}, {ErrorType}.")]
    private static partial void LogFailed(ILogger logger, string? contractId, string? contractVersion, string? errorType);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Trace, Message = "Governed call input (redacted): {Messages}")]
    private static partial void LogSensitiveInput(ILogger logger, string messages);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Trace, Message = "Governed call output (redacted): {Output}")]
    private static partial void LogSensitiveOutput(ILogger logger, string output);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Trace, Message = "Governed call error message (redacted): {ErrorMessage}")]
    private static partial void LogSensitiveError(ILogger logger, string errorMessage);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Audit sink {Sink} threw while accepting a decision record; the record is lost for that sink.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink);

    private sealed class CallState(GovernedCall call, DateTimeOffset startedAt, bool streaming)
    {
        public readonly GovernedCall Call = call;
        public readonly DateTimeOffset StartedAt = startedAt;
        public readonly long Started = Stopwatch.GetTimestamp();
        // Without a span of its own, the call is audited under the app's span, when there is one.
        public readonly ActivityContext Parent = call.Activity is null ? Activity.Current?.Context ?? default : default;
        public readonly bool Streaming = streaming;
        public UsageDetails? Usage;
        public string? Output;
        public Exception? Error;
        public bool Completed;
    }
}
