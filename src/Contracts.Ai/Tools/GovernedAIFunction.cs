using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Polly.Timeout;

namespace Contracts.Ai;

/// <summary>
/// An <see cref="AIFunction"/> whose calls are governed: arguments are validated against the function's
/// own JSON schema before it runs, it runs under a timeout (and retries of transient failures when it
/// is safe to retry), optionally at most once per idempotency key, and its output is normalised to JSON,
/// size-capped, parsed strictly against its contract and screened before the model sees it.
/// </summary>
/// <remarks>
/// <para>
/// Create one with the <see cref="GovernedAIFunctionExtensions"/> methods (<c>tool.WithOutputContract&lt;T&gt;()</c>,
/// <c>WithTimeout</c>, <c>AsIdempotent</c>, ...); <see cref="ToolGovernanceChatClient"/> also governs every
/// function in <see cref="ChatOptions.Tools"/>. The name, description and parameter schema are the inner
/// function's, so providers see the same declaration.
/// </para>
/// <para>
/// A rejected call or output is handled by <see cref="ToolGovernanceOptions.OnRejection"/>: the model gets a
/// structured error (the default), or the call throws <see cref="ToolArgumentViolationException"/> /
/// <see cref="ToolOutputViolationException"/>. Either way the rejected payload never reaches the model.
/// </para>
/// <para>Instances are immutable and safe to call from many threads.</para>
/// </remarks>
public sealed class GovernedAIFunction : DelegatingAIFunction, IFingerprintedDeclaration
{
    private static readonly JsonElement NullElement = JsonDocument.Parse("null").RootElement.Clone();

    private static readonly JsonTypeInfo<JsonElement> ElementTypeInfo =
        (JsonTypeInfo<JsonElement>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonElement));

    internal GovernedAIFunction(AIFunction innerFunction, ToolPolicy policy, ToolRuntime runtime, ToolCallScope scope)
        : base(innerFunction)
    {
        Policy = policy;
        Runtime = runtime;
        Scope = scope;
    }

    /// <summary>Gets the timeout of one attempt.</summary>
    /// <value><see langword="null"/> when the tool runs without a time limit.</value>
    public TimeSpan? Timeout => Runtime.Timeout;

    /// <summary>Gets the largest output accepted, in UTF-8 bytes of JSON.</summary>
    /// <value>0 when there is no limit; otherwise the tool's own cap, or <see cref="ToolGovernanceOptions.MaxOutputBytes"/>.</value>
    public int MaxOutputBytes => Runtime.MaxOutputBytes;

    /// <summary>Gets a value indicating whether the output has a contract (a CLR type or a JSON Schema) it is parsed against.</summary>
    public bool HasOutputContract => Runtime.OutputContract is not null;

    /// <summary>Gets how many times a transient failure is retried.</summary>
    /// <value>0 unless the tool is safe to retry (<c>WithRetry</c> or <see cref="ToolGovernanceOptions.SafeToRetryTools"/>); an idempotent tool is never retried after a timeout.</value>
    public int MaxRetryAttempts => Runtime.MaxRetryAttempts;

    /// <summary>Gets a value indicating whether the tool runs at most once per idempotency key.</summary>
    public bool IsIdempotent => Runtime.Idempotent;

    /// <summary>Gets the arguments that make up the idempotency key.</summary>
    /// <value>Empty when every argument is in the key.</value>
    public IReadOnlyList<string> IdempotencyKeyArguments => Policy.IdempotencyKeyArguments;

    internal AIFunction Inner => InnerFunction;

    internal ToolPolicy Policy { get; }

    internal ToolRuntime Runtime { get; }

    /// <inheritdoc />
    UInt128 IFingerprintedDeclaration.DeclarationFingerprint => Runtime.Fingerprint;

    internal ToolCallScope Scope { get; }

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ToolRuntime runtime = Runtime;
        GovernedCall? call = Scope.GetCall();
        GovernanceContext? context = Scope.GetContext();
        if (GovernedCall.Current is not null)
        {
            // The tool's own code, which may make governed calls of its own, runs outside this call's state.
            GovernedCall.Current = null;
        }
        Activity? activity = GovernedAiTelemetry.ActivitySource.HasListeners() ? StartActivity(runtime) : null;
        try
        {
            long validationStarted = runtime.Timeout is null ? 0 : Stopwatch.GetTimestamp();
            List<ToolViolation>? invalid = runtime.Arguments.Validate(arguments, InnerFunction.JsonSerializerOptions, runtime.RejectUnknownArguments, runtime.Timeout);
            if (invalid is not null)
            {
                return Reject(new ToolArgumentViolationException(Name, invalid), "invalid_arguments", null, call, activity);
            }

            // Checking the arguments counts against the tool's timeout: the first attempt gets what is left of it.
            TimeSpan? left = runtime.Timeout is TimeSpan limit ? limit - Stopwatch.GetElapsedTime(validationStarted) : null;
            if (left <= TimeSpan.Zero)
            {
                return Reject(TimedOut(runtime.Timeout!.Value), "timeout", null, call, activity);
            }

            string? keyHash = null;
            bool replayed = false;
            object? output;
            try
            {
                if (runtime.Idempotent)
                {
                    (string key, string fingerprint) = ToolIdempotencyKeys.ForTool(Name, arguments, runtime.IdempotencyKeyArguments, context);
                    keyHash = call is null && activity is null ? null : Hash(key);
                    IdempotentResult<JsonElement> result = await RunIdempotentAsync(key, fingerprint, arguments, left, cancellationToken).ConfigureAwait(false);
                    replayed = result.Replayed;
                    output = FromElement(result.Value);
                }
                else
                {
                    output = await RunAsync(arguments, left, cancellationToken).ConfigureAwait(false);
                }

                if (Scope.Screen is { } screen && output is not null)
                {
                    output = await ScreenAsync(screen, output, call, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (ToolOutputViolationException ex)
            {
                return Reject(ex, RejectionOf(ex), keyHash, call, activity);
            }

            Accept(replayed, keyHash, call, activity);
            return output;
        }
        catch (Exception ex) when (activity is not null && ex is not ToolArgumentViolationException and not ToolOutputViolationException)
        {
            // The message of a tool's own error can hold anything (a connection string, a customer's data): kinds and types only.
            activity.SetTag(TelemetryNames.Attributes.ErrorType, ex.GetType().FullName)
                .SetStatus(ActivityStatusCode.Error, GovernedAiException.DescribeForTelemetry(ex));
            throw;
        }
        finally
        {
            activity?.Dispose();
        }
    }

    /// <summary>
    /// Runs an idempotent tool at most once for its key. The timeout bounds how long the caller waits, never the
    /// claim: an attempt that outlives it keeps the key until it ends, so a repeat waits for it or replays its result
    /// (or gets <see cref="IdempotencyInProgressException"/>), and is never run a second time beside it.
    /// </summary>
    private async ValueTask<IdempotentResult<JsonElement>> RunIdempotentAsync(
        string key, string fingerprint, AIFunctionArguments arguments, TimeSpan? left, CancellationToken cancellationToken)
    {
        IdempotencyCoordinator coordinator = Scope.Coordinator;
        if (left is not TimeSpan timeout)
        {
            return await coordinator.ExecuteAsync(key, fingerprint, token => RunAsElementAsync(arguments, token), ElementTypeInfo, cancellationToken).ConfigureAwait(false);
        }

        var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        Task<IdempotentResult<JsonElement>> execution = coordinator.ExecuteAsync(key, fingerprint, token => RunAsElementAsync(arguments, token), ElementTypeInfo, attempt.Token).AsTask();

        // The attempt may end after the caller stopped waiting: observe its outcome and free its timer then.
        _ = execution.ContinueWith(
            static (task, state) =>
            {
                _ = task.Exception;
                ((CancellationTokenSource)state!).Dispose();
            },
            attempt,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        try
        {
            return await execution.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw TimedOut(Runtime.Timeout!.Value);
        }
    }

    private ToolOutputViolationException TimedOut(TimeSpan timeout) =>
        new(Name, [new ToolViolation("$", "timeout", $"the tool did not answer within {timeout.TotalMilliseconds:0} ms")]);

    private async ValueTask<object?> RunAsync(AIFunctionArguments arguments, TimeSpan? firstAttemptTimeout, CancellationToken cancellationToken)
    {
        ToolRuntime runtime = Runtime;
        object? raw;
        try
        {
            raw = await runtime.InvokeAsync(InnerFunction, arguments, firstAttemptTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            throw TimedOut(runtime.Timeout!.Value);
        }

        object? output = ToolOutputReader.Read(Name, raw, runtime.OutputContract, runtime.MaxOutputBytes, InnerFunction.JsonSerializerOptions);
        if (runtime.MaxOutputTokens is int cap && runtime.TokenCounter is { } counter)
        {
            string? text = output switch
            {
                JsonElement element => element.GetRawText(),
                string s => s,
                _ => null,
            };
            int tokens = text is null ? 0 : counter.CountTokens(text);
            if (tokens > cap)
            {
                throw new ToolOutputViolationException(Name, [new ToolViolation("$", "maxTokens", $"the output is {tokens} tokens ({counter.Encoding}); the cap is {cap}")]);
            }
        }

        return output;
    }

    private async ValueTask<JsonElement> RunAsElementAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        object? output = await RunAsync(arguments, firstAttemptTimeout: null, cancellationToken).ConfigureAwait(false);
        return output switch
        {
            JsonElement element => element,
            string text => JsonSerializer.SerializeToElement(text, ElementTypeInfoOf<string>()),
            _ => NullElement,
        };
    }

    private object? FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null when Runtime.OutputContract is null => null,
        JsonValueKind.String when Runtime.OutputContract is null => element.GetString(),
        _ => element,
    };

    private async ValueTask<object?> ScreenAsync(IToolOutputScreen screen, object output, GovernedCall? call, CancellationToken cancellationToken)
    {
        string text = output is string plain ? plain : ((JsonElement)output).GetRawText();
        try
        {
            string screened = await screen.ScreenAsync(Name, text, call, cancellationToken).ConfigureAwait(false);
            return ReferenceEquals(screened, text) || string.Equals(screened, text, StringComparison.Ordinal) ? output : screened;
        }
        catch (UnsafeContentException)
        {
            throw new ToolOutputViolationException(Name, [new ToolViolation("$", "unsafe", "the output was blocked by the data-protection policy")]);
        }
    }

    private Activity? StartActivity(ToolRuntime runtime)
    {
        Activity? activity = GovernedAiTelemetry.ActivitySource.StartActivity(runtime.SpanName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryNames.Attributes.GenAiToolName, Name);
            if (FunctionInvokingChatClient.CurrentContext?.CallContent.CallId is { } callId)
            {
                activity.SetTag(TelemetryNames.Attributes.GenAiToolCallId, callId);
            }
        }

        return activity;
    }

    private void Accept(bool replayed, string? keyHash, GovernedCall? call, Activity? activity)
    {
        string outcome = replayed ? "replayed" : "ok";
        activity?.SetTag(TelemetryNames.Attributes.ToolOutcome, outcome);
        call?.Record?.ForToolCalls().Add(new ToolCallRecord(Name, outcome, keyHash));
    }

    private JsonElement Reject(GovernedAiException exception, string rejection, string? keyHash, GovernedCall? call, Activity? activity)
    {
        if (GovernedAiTelemetry.ToolRejections.Enabled)
        {
            var tags = default(TagList);
            tags.Add(TelemetryNames.Attributes.GenAiToolName, Name);
            tags.Add(TelemetryNames.Attributes.ToolRejection, rejection);
            GovernedAiTelemetry.ToolRejections.Add(1, tags);
        }

        activity?.SetTag(TelemetryNames.Attributes.ToolOutcome, "rejected")
            .SetTag(TelemetryNames.Attributes.ToolRejection, rejection);
        call?.Record?.ForToolCalls().Add(new ToolCallRecord(Name, ToolCallRecord.Rejected, keyHash, rejection));

        IReadOnlyList<ToolViolation> violations = exception is ToolArgumentViolationException arguments ? arguments.Violations : ((ToolOutputViolationException)exception).Violations;
        JsonElement error = ToolErrorResult.Create(Name, rejection, violations);
        if (Runtime.OnRejection == ToolRejectionPolicy.Throw)
        {
            // Inside the tool loop of a governed request, the loop catches tool exceptions and would
            // carry on; so stop it here and let ToolGovernanceChatClient throw once it has returned.
            if (Scope.IsBound && FunctionInvokingChatClient.CurrentContext is { } loop)
            {
                Scope.Defer(exception);
                loop.Terminate = true;
                return error;
            }

            throw exception;
        }

        return error;
    }

    private static string RejectionOf(ToolOutputViolationException exception)
    {
        string kind = exception.Violations.Count > 0 ? exception.Violations[0].Kind : string.Empty;
        return kind switch
        {
            "maxBytes" or "maxTokens" => "too_large",
            "timeout" => "timeout",
            "unsafe" => "unsafe",
            "notJson" or "duplicateKey" or "serialization" => "not_json",
            _ => "contract",
        };
    }

    private static string Hash(string key)
    {
        int length = Encoding.UTF8.GetByteCount(key);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int written = Encoding.UTF8.GetBytes(key, rented);
            return XxHash3.HashToUInt64(rented.AsSpan(0, written)).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static JsonTypeInfo<T> ElementTypeInfoOf<T>() => (JsonTypeInfo<T>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
