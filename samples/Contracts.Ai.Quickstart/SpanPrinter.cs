using System.Collections.Concurrent;
using System.Diagnostics;
using Contracts.Ai;

namespace Contracts.Ai.Quickstart;

/// <summary>Collects the Contracts.Ai spans of each scene and prints them as a tree with their governance attributes.</summary>
internal sealed class SpanPrinter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public SpanPrinter()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GovernedAiTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Print()
    {
        var spans = new List<Activity>();
        while (_stopped.TryDequeue(out Activity? activity))
        {
            spans.Add(activity);
        }

        var ids = spans.Select(s => s.SpanId).ToHashSet();
        foreach (Activity span in spans.OrderBy(s => s.StartTimeUtc))
        {
            int depth = 0;
            for (Activity? parent = span.Parent; parent is not null; parent = parent.Parent)
            {
                if (ids.Contains(parent.SpanId))
                {
                    depth++;
                }
            }

            IEnumerable<string> tags = span.TagObjects
                .Where(t => t.Key.StartsWith("contracts_ai.", StringComparison.Ordinal) || t.Key == "error.type")
                .Select(t => $"{(t.Key.StartsWith("contracts_ai.", StringComparison.Ordinal) ? t.Key["contracts_ai.".Length..] : t.Key)}={t.Value}");
            Console.WriteLine($"   {new string(' ', depth * 2)}span {span.DisplayName}: {string.Join(", ", tags)}");
        }
    }

    public void Dispose() => _listener.Dispose();
}
