using System;
using System.ClientModel;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// Tells the provider's failures from the prompt version's: connection errors, timeouts, throttling (429) and
/// server errors (5xx) happen whatever version runs, so they never count against a version's health.
/// </summary>
internal static class ProviderFailures
{
    /// <summary>Gets whether <paramref name="exception"/> is a transport or provider failure rather than the version's.</summary>
    /// <param name="exception">The failure.</param>
    /// <param name="cancellationToken">The caller's token: a cancellation the caller asked for is neither's.</param>
    public static bool IsProviderFailure(Exception exception, CancellationToken cancellationToken)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case GovernedAiException:
                    return false;
                case HttpRequestException http:
                    return http.StatusCode is null || IsProviderStatus((int)http.StatusCode.Value);
                case ClientResultException client:
                    return client.Status == 0 || IsProviderStatus(client.Status);
                case TimeoutException:
                case SocketException:
                case IOException:
                case WebException:
                    return true;
                case OperationCanceledException:
                    // Not the caller's cancellation: a timeout inside the client (HttpClient.Timeout, a resilience handler).
                    return !cancellationToken.IsCancellationRequested;
            }
        }

        return false;
    }

    /// <summary>Gets whether an HTTP status is the provider's: 408, 429 or 5xx.</summary>
    public static bool IsProviderStatus(int status) => status is 408 or 429 or >= 500 and <= 599;
}
