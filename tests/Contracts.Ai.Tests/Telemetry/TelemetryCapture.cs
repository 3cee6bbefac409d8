using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Contracts.Ai.Tests.Telemetry;

/// <summary>
/// Tests that listen to the process-wide Contracts.Ai source run alone: a listener started by a
/// parallel test would otherwise see (and change) their spans and metrics.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry (process-wide listeners)";
}

/// <summary>The real OpenTelemetry SDK with in-memory exporters, listening to Contracts.Ai, the app's and MEAI's sources.</summary>
internal sealed class TelemetryCapture : IDisposable
{
    public const string AppSource = "SupportApp";
    public const string MeaiSource = "SupportApp.GenAI";

    public static readonly ActivitySource App = new(AppSource);

    private readonly TracerProvider _tracer;
    private readonly MeterProvider? _meter;

    public TelemetryCapture(bool traces = true, bool metrics = true)
    {
        var tracer = Sdk.CreateTracerProviderBuilder()
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(Spans);
        if (traces)
        {
            tracer.AddSource(GovernedAiTelemetry.SourceName, AppSource, MeaiSource);
        }

        _tracer = tracer.Build()!;
        if (metrics)
        {
            _meter = Sdk.CreateMeterProviderBuilder()
                .AddMeter(GovernedAiTelemetry.SourceName)
                .AddInMemoryExporter(Metrics)
                .Build();
        }
    }

    public List<Activity> Spans { get; } = [];

    public List<Metric> Metrics { get; } = [];

    public Activity Single(string name) => Assert.Single(Spans, s => s.DisplayName == name);

    public IReadOnlyList<MetricPoint> Points(string metricName)
    {
        _meter?.ForceFlush();
        var points = new List<MetricPoint>();
        foreach (Metric metric in Metrics.Where(m => m.Name == metricName))
        {
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
            {
                points.Add(point);
            }
        }

        return points;
    }

    public static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    public void Dispose()
    {
        _tracer.Dispose();
        _meter?.Dispose();
    }
}

/// <summary>A stand-in for an inner stage: records decisions in the call's <see cref="GovernedCall"/> the way the real stages do.</summary>
internal sealed class RecordingStage(IChatClient inner, Action<GovernedCall> record) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (GovernedCall.Observed is { } call)
        {
            record(call);
        }

        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (GovernedCall.Observed is { } call)
        {
            record(call);
        }

        return base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }
}

internal static class StreamingExtensions
{
    /// <summary>Calls the client streaming or not, and returns the whole answer.</summary>
    public static Task<ChatResponse> AskAsync(this IChatClient client, bool streaming, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        TestUtilities.ChatClientTestExtensions.AskAsync(client, messages, options, streaming, cancellationToken);

    public static Task<ChatResponse> AskAsync(this IChatClient client, bool streaming, string prompt, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        client.AskAsync(streaming, [new ChatMessage(ChatRole.User, prompt)], options, cancellationToken);
}
