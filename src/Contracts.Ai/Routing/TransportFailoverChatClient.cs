using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Sends a call to the next client when the current one fails in transport (a connection error, a
/// timeout, a 5xx): for model diversity across providers or regions. Contract violations and other
/// governance errors never fail over: a different model does not fix a broken contract.
/// </summary>
/// <remarks>
/// Place it innermost, directly above the provider client (<c>UseTransportFailover()</c> as the last
/// <c>Use</c> call). A streaming call fails over only before its first update reached the caller.
/// Each failover adds a <c>contracts_ai.failover</c> event to the current span.
/// </remarks>
public sealed class TransportFailoverChatClient : DelegatingChatClient
{
    private readonly IChatClient[] _secondaries;
    private readonly Func<Exception, bool>? _shouldFailover;

    /// <summary>Initializes a new instance of the <see cref="TransportFailoverChatClient"/> class.</summary>
    /// <param name="primary">The client tried first.</param>
    /// <param name="secondaries">The clients tried next, in order.</param>
    /// <param name="options">The options; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentNullException">A client is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="secondaries"/> is empty.</exception>
    public TransportFailoverChatClient(IChatClient primary, IReadOnlyList<IChatClient> secondaries, TransportFailoverOptions? options = null)
        : base(primary)
    {
        ArgumentNullException.ThrowIfNull(secondaries);
        if (secondaries.Count == 0)
        {
            throw new ArgumentException("At least one secondary client is needed to fail over to.", nameof(secondaries));
        }

        _secondaries = new IChatClient[secondaries.Count];
        for (int i = 0; i < secondaries.Count; i++)
        {
            _secondaries[i] = secondaries[i] ?? throw new ArgumentNullException(nameof(secondaries), $"Secondary client {i} is null.");
        }

        _shouldFailover = options?.ShouldFailover;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await Client(attempt).GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _secondaries.Length && ShouldFailover(ex, cancellationToken))
            {
                RecordFailover(options, attempt, ex);
            }
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (int attempt = 0; ; attempt++)
        {
            IAsyncEnumerator<ChatResponseUpdate> updates = Client(attempt).GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            bool yielded = false;
            bool failedOver = false;
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (Exception ex) when (!yielded && attempt < _secondaries.Length && ShouldFailover(ex, cancellationToken))
                    {
                        RecordFailover(options, attempt, ex);
                        failedOver = true;
                        break;
                    }

                    yielded = true;
                    yield return updates.Current;
                }
            }
            finally
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }

            if (!failedOver)
            {
                yield break;
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (IChatClient secondary in _secondaries)
            {
                secondary.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private IChatClient Client(int attempt) => attempt == 0 ? InnerClient : _secondaries[attempt - 1];

    private bool ShouldFailover(Exception ex, CancellationToken cancellationToken)
    {
        if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return _shouldFailover?.Invoke(ex) ?? ex is not (GovernedAiException or ArgumentException or NotSupportedException);
    }

    private static void RecordFailover(ChatOptions? options, int attempt, Exception ex)
    {
        Activity? activity = GovernedCall.ObservedRecord?.Activity ?? Activity.Current;
        if (activity is null)
        {
            return;
        }

        activity.SetTag(RoutingTelemetry.Failover, true);
        activity.AddEvent(new ActivityEvent(RoutingTelemetry.FailoverEvent, tags: new ActivityTagsCollection
        {
            ["contracts_ai.failover.from"] = attempt,
            ["contracts_ai.failover.to"] = attempt + 1,
            [TelemetryNames.Attributes.ErrorType] = ex.GetType().FullName,
        }));
    }
}
