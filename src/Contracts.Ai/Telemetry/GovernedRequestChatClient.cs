using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// The outermost stage of the governed pipeline: opens the <c>contracts_ai.request</c> span, gives
/// the inner stages a <see cref="GovernedCall"/> to record their decisions in, records errors and
/// the request duration.
/// </summary>
/// <remarks>When nothing listens to <see cref="GovernedAiTelemetry.SourceName"/>, the call passes straight through.</remarks>
internal sealed class GovernedRequestChatClient : DelegatingChatClient
{
    public GovernedRequestChatClient(IChatClient innerClient)
        : base(innerClient)
    {
    }

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!IsObserved())
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        GovernedCall call = Begin(ref options);
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RecordError(call.Activity, ex);
            throw;
        }
        finally
        {
            End(call, started);
        }
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        IsObserved()
            ? GetObservedStreamingResponseAsync(messages, options, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);

    private async IAsyncEnumerable<ChatResponseUpdate> GetObservedStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        GovernedCall call = Begin(ref options);
        long started = Stopwatch.GetTimestamp();
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
                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }

                        update = updates.Current;
                    }
                    catch (Exception ex)
                    {
                        RecordError(call.Activity, ex);
                        throw;
                    }

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
            End(call, started);
        }
    }

    private static bool IsObserved() =>
        GovernedAiTelemetry.ActivitySource.HasListeners() || GovernedAiTelemetry.RequestDuration.Enabled;

    private static GovernedCall Begin(ref ChatOptions? options)
    {
        // A fresh options object per call, so the call state never leaks into a caller's reused options.
        options = options?.Clone() ?? new ChatOptions();
        var call = new GovernedCall();
        (options.AdditionalProperties ??= new AdditionalPropertiesDictionary())[GovernedCall.PropertyKey] = call;

        Activity? activity = GovernedAiTelemetry.ActivitySource.StartActivity(TelemetryNames.Spans.Request, ActivityKind.Internal);
        call.Activity = activity;
        if (activity is { IsAllDataRequested: true } && options.GetGovernanceContext() is { } context)
        {
            if (context.ContractId is not null)
            {
                call.ContractId = context.ContractId;
                activity.SetTag(TelemetryNames.Attributes.ContractId, context.ContractId);
            }

            if (context.TenantId is not null)
            {
                activity.SetTag(TelemetryNames.Attributes.TenantId, context.TenantId);
            }
        }

        return call;
    }

    private static void RecordError(Activity? activity, Exception ex)
    {
        activity?
            .SetTag(TelemetryNames.Attributes.ErrorType, ex.GetType().FullName)
            .SetStatus(ActivityStatusCode.Error, ex.Message);
    }

    private static void End(GovernedCall call, long started)
    {
        if (GovernedAiTelemetry.RequestDuration.Enabled)
        {
            var tags = default(System.Diagnostics.TagList);
            if (call.ContractId is not null)
            {
                tags.Add(TelemetryNames.Attributes.ContractId, call.ContractId);
            }

            if (call.ContractVersion is not null)
            {
                tags.Add(TelemetryNames.Attributes.ContractVersion, call.ContractVersion);
            }

            if (call.Variant is not null)
            {
                tags.Add(TelemetryNames.Attributes.Variant, call.Variant);
            }

            GovernedAiTelemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }

        call.Activity?.Dispose();
    }
}
