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
        Pipeline = BuildPipeline(Timeout, MaxRetryAttempts, policy.RetryDelay ?? options.RetryDelay);
    }

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
    public ValueTask<object?> InvokeAsync(AIFunction function, AIFunctionArguments arguments, CancellationToken cancellationToken) =>
        Pipeline is null
            ? function.InvokeAsync(arguments, cancellationToken)
            : Pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    // WaitAsync: a tool that ignores cancellation still times out.
                    return await state.Function.InvokeAsync(state.Arguments, token).AsTask().WaitAsync(token).ConfigureAwait(false);
                },
                (Function: function, Arguments: arguments),
                cancellationToken);

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

    private static ResiliencePipeline? BuildPipeline(TimeSpan? timeout, int maxRetryAttempts, TimeSpan retryDelay)
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
                ShouldHandle = static args => new ValueTask<bool>(IsTransient(args.Outcome.Exception)),
            });
        }

        if (timeout is TimeSpan perAttempt)
        {
            builder.AddTimeout(perAttempt);
        }

        return builder.Build();
    }
}
