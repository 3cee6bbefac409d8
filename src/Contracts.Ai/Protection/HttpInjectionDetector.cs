using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// An <see cref="IInjectionDetector"/> that asks a hosted classifier over HTTP, to run next to
/// <see cref="HeuristicInjectionDetector"/> in a <see cref="CompositeInjectionDetector"/>.
/// </summary>
/// <remarks>
/// <para>
/// Each call POSTs <c>{"text": "...", "origin": "user_prompt" | "tool_output" | "retrieved_document"}</c>
/// (<c>application/json</c>) to <see cref="Endpoint"/> and reads <c>{"score": 0.97}</c>, optionally with
/// <c>"isInjection": true</c> (otherwise the score is judged against <see cref="Thresholds"/>) and
/// <c>"signals": ["..."]</c> (labels the classifier names; <c>hosted_classifier</c> is always added).
/// Put a classifier with another contract behind a small shim, or write your own
/// <see cref="IInjectionDetector"/> the same way.
/// </para>
/// <para>
/// Authentication, retries and timeouts are the <see cref="HttpClient"/>'s: configure them with
/// <c>IHttpClientFactory</c>. A failed call throws <see cref="InjectionDetectorException"/>, so the call
/// being screened fails closed; wrap this detector to fail open instead. Thread-safe.
/// </para>
/// </remarks>
public sealed class HttpInjectionDetector : IInjectionDetector
{
    /// <summary>The signal every verdict of this detector carries.</summary>
    public const string Signal = "hosted_classifier";

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _httpClient;

    /// <summary>Initializes a new instance of the <see cref="HttpInjectionDetector"/> class.</summary>
    /// <param name="httpClient">The client to send with (its handler carries authentication, retries, timeouts).</param>
    /// <param name="endpoint">The classifier's absolute URL.</param>
    /// <param name="thresholds">Thresholds for scores that come without <c>isInjection</c>; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> or <paramref name="endpoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not an absolute http or https URL, or a threshold is out of range.</exception>
    public HttpInjectionDetector(HttpClient httpClient, Uri endpoint, InjectionThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Expected an absolute http or https URL, but got '{endpoint}'.", nameof(endpoint));
        }

        Thresholds = thresholds ?? new InjectionThresholds();
        var errors = new List<string>();
        Thresholds.Validate("thresholds", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(thresholds));
        }

        _httpClient = httpClient;
        Endpoint = endpoint;
    }

    /// <summary>Gets the classifier's URL.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the thresholds scores are judged against when the classifier does not say <c>isInjection</c>.</summary>
    public InjectionThresholds Thresholds { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is not a defined value.</exception>
    /// <exception cref="InjectionDetectorException">The classifier could not be reached, answered with an error status, or with a body that is not the expected JSON.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async ValueTask<InjectionVerdict> DetectAsync(string text, ContentOrigin origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        double threshold = Thresholds.For(origin);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(WriteRequest(text, origin)) };
        request.Content.Headers.ContentType = JsonMediaType;

        HttpResponseMessage response;
        try
        {
            response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new InjectionDetectorException($"Injection classifier at {Endpoint} could not be reached: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InjectionDetectorException($"Injection classifier at {Endpoint} timed out.", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InjectionDetectorException($"Injection classifier at {Endpoint} answered {(int)response.StatusCode} ({response.ReasonPhrase}); expected 2xx with a JSON verdict.");
            }

            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return ReadVerdict(body, threshold);
        }
    }

    private static byte[] WriteRequest(string text, ContentOrigin origin)
    {
        using var buffer = new MemoryStream(text.Length + 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("text", text);
            json.WriteString("origin", origin switch
            {
                ContentOrigin.UserPrompt => "user_prompt",
                ContentOrigin.ToolOutput => "tool_output",
                _ => "retrieved_document",
            });
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private InjectionVerdict ReadVerdict(byte[] body, double threshold)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("score", out JsonElement scoreElement) || scoreElement.ValueKind != JsonValueKind.Number)
            {
                throw Malformed("expected an object with a number 'score'");
            }

            double score = scoreElement.GetDouble();
            if (double.IsNaN(score) || score < 0 || score > 1)
            {
                throw Malformed($"'score' must be between 0 and 1, but was {score}");
            }

            bool isInjection = score >= threshold;
            if (root.TryGetProperty("isInjection", out JsonElement flag))
            {
                isInjection = flag.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => isInjection,
                    _ => throw Malformed("'isInjection' must be a boolean"),
                };
            }

            var signals = new List<string> { Signal };
            if (root.TryGetProperty("signals", out JsonElement labels) && labels.ValueKind != JsonValueKind.Null)
            {
                if (labels.ValueKind != JsonValueKind.Array)
                {
                    throw Malformed("'signals' must be an array of strings");
                }

                foreach (JsonElement label in labels.EnumerateArray())
                {
                    string? name = label.ValueKind == JsonValueKind.String ? label.GetString() : throw Malformed("'signals' must be an array of strings");
                    if (!string.IsNullOrEmpty(name) && !signals.Contains(name))
                    {
                        signals.Add(name);
                    }
                }
            }

            return new InjectionVerdict(isInjection, score, signals);
        }
        catch (JsonException ex)
        {
            throw new InjectionDetectorException($"Injection classifier at {Endpoint} answered with a body that is not JSON (at byte {ex.BytePositionInLine}, line {ex.LineNumber}).", ex);
        }
    }

    private InjectionDetectorException Malformed(string what) => new($"Injection classifier at {Endpoint} answered with an unexpected verdict: {what}.");
}
