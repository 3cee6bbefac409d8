using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Contracts.Ai;

/// <summary>What a governed tool does on each call, resolved once from its settings and the options: compiled schemas, caps, the resilience pipeline.</summary>
internal sealed class ToolRuntime
{
    public ToolRuntime(AIFunction function, ToolPolicy policy, ToolGovernanceOptions options)
    {
        Name = function.Name;
        Fingerprint = ContentFingerprint.Of(function);
        SpanName = TelemetryNames.Spans.ToolPrefix + function.Name;
        Arguments = ToolArgumentValidator.For(function);
        OutputContract = policy.OutputContract;
        Timeout = policy.Timeout;
        MaxOutputBytes = policy.MaxOutputBytes ?? options.MaxOutputBytes;
        MaxOutputTokens = policy.MaxOutputTokens ?? options.MaxOutputTokens;
        if (MaxOutputTokens is > 0)
        {
            TokenCounter = policy.TokenCounter ?? TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
        }
        MaxRetryAttempts = policy.MaxRetryAttempts ?? 0;
        Idempotent = policy.Idempotent;
        IdempotencyKeyArguments = policy.IdempotencyKeyArguments.Count == 0 ? null : policy.IdempotencyKeyArguments;
        OnRejection = options.OnRejection;
        RejectUnknownArguments = options.RejectUnknownArguments;
        RequiresApproval = options.RequireApprovalForHighRiskTools && IsHighRisk(function, options);
        // An idempotent tool's timeout is applied around its claim (see GovernedAIFunction), never by abandoning an attempt.
        Pipeline = BuildPipeline(Idempotent ? null : Timeout, MaxRetryAttempts, policy.RetryDelay ?? options.RetryDelay, Idempotent);
    }

    private static readonly ResiliencePropertyKey<FirstAttemptTimeout> FirstAttemptTimeoutKey = new("contracts_ai.tool.first_attempt_timeout");

    public string Name { get; }

    /// <summary>Gets the fingerprint of the tool's declaration (name, description, parameter schema).</summary>
    public UInt128 Fingerprint { get; }

    public string SpanName { get; }

    public ToolArgumentValidator Arguments { get; }

    public ToolOutputContract? OutputContract { get; }

    public TimeSpan? Timeout { get; }

    public int MaxOutputBytes { get; }

    /// <summary>Gets the cap in tokens of the output's JSON text, or <see langword="null"/> for none.</summary>
    public int? MaxOutputTokens { get; }

    /// <summary>Gets the counter for <see cref="MaxOutputTokens"/>.</summary>
    public ITokenCounter? TokenCounter { get; }

    public int MaxRetryAttempts { get; }

    public bool Idempotent { get; }

    public IReadOnlyList<string>? IdempotencyKeyArguments { get; }

    public ToolRejectionPolicy OnRejection { get; }

    public bool RejectUnknownArguments { get; }

    public bool RequiresApproval { get; }

    /// <summary>Gets the timeout and retry pipeline, or <see langword="null"/> when the tool has neither.</summary>
    public ResiliencePipeline? Pipeline { get; }

    /// <summary>Runs the tool once, or through the pipeline: per-attempt timeout, retries of transient failures.</summary>
    /// <param name="function">The tool.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="firstAttemptTimeout">What is left of the timeout for the first attempt (checking the arguments used the rest); retries get the whole timeout.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public async ValueTask<object?> InvokeAsync(AIFunction function, AIFunctionArguments arguments, TimeSpan? firstAttemptTimeout, CancellationToken cancellationToken)
    {
        if (Pipeline is null)
        {
            return await function.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
        }

        ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            if (firstAttemptTimeout is TimeSpan first && Timeout is TimeSpan whole && first < whole)
            {
                context.Properties.Set(FirstAttemptTimeoutKey, new FirstAttemptTimeout(first));
            }

            return Idempotent
                ? await Pipeline.ExecuteAsync(
                    // Never abandoned: the claim on the key must last as long as the attempt does.
                    static (context, state) => state.Function.InvokeAsync(state.Arguments, context.CancellationToken),
                    context,
                    (Function: function, Arguments: arguments)).ConfigureAwait(false)
                : await Pipeline.ExecuteAsync(
                    static async (context, state) =>
                    {
                        // WaitAsync: a tool that ignores cancellation still times out (idempotent tools have no timeout here).
                        CancellationToken token = context.CancellationToken;
                        return await state.Function.InvokeAsync(state.Arguments, token).AsTask().WaitAsync(token).ConfigureAwait(false);
                    },
                    context,
                    (Function: function, Arguments: arguments)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    internal static bool IsTransient(Exception? exception) =>
        exception is HttpRequestException or IOException or SocketException or TimeoutException or TimeoutRejectedException;

    private static bool IsHighRisk(AIFunction function, ToolGovernanceOptions options) =>
        ToolPolicy.Contains(options.HighRiskTools, function.Name) || IsMarkedHighRisk(function);

    /// <summary>Whether the function itself says it is high-risk (<c>AdditionalProperties["risk"] = "high"</c>).</summary>
    internal static bool IsMarkedHighRisk(AIFunction function) =>
        (function.AdditionalProperties.TryGetValue("risk", out object? risk) &&
            risk switch
            {
                string text => string.Equals(text, "high", StringComparison.OrdinalIgnoreCase),
                JsonElement { ValueKind: JsonValueKind.String } element => string.Equals(element.GetString(), "high", StringComparison.OrdinalIgnoreCase),
                _ => false,
            });

    /// <summary>Failures after which a side effect may still have happened or be happening: never retried for idempotent tools.</summary>
    internal static bool MayHaveRun(Exception? exception) =>
        exception is TimeoutException or TimeoutRejectedException or OperationCanceledException;

    private static ResiliencePipeline? BuildPipeline(TimeSpan? timeout, int maxRetryAttempts, TimeSpan retryDelay, bool idempotent)
    {
        if (timeout is null && maxRetryAttempts == 0)
        {
            return null;
        }

        var builder = new ResiliencePipelineBuilder();
        if (maxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetryAttempts,
                Delay = retryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retryDelay > TimeSpan.Zero,
                ShouldHandle = idempotent
                    ? static args => new ValueTask<bool>(IsTransient(args.Outcome.Exception) && !MayHaveRun(args.Outcome.Exception))
                    : static args => new ValueTask<bool>(IsTransient(args.Outcome.Exception)),
            });
        }

        if (timeout is TimeSpan perAttempt)
        {
            builder.AddTimeout(new TimeoutStrategyOptions
            {
                Timeout = perAttempt,
                TimeoutGenerator = args => new ValueTask<TimeSpan>(
                    args.Context.Properties.TryGetValue(FirstAttemptTimeoutKey, out FirstAttemptTimeout? first) && first.Take() is TimeSpan left ? left : perAttempt),
            });
        }

        return builder.Build();
    }

    /// <summary>The shorter timeout of a call's first attempt, taken once so that retries get the whole timeout.</summary>
    private sealed class FirstAttemptTimeout(TimeSpan value)
    {
        private TimeSpan? _value = value;

        public TimeSpan? Take()
        {
            TimeSpan? value = _value;
            _value = null;
            return value;
        }
    }
}
