using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Contracts.Ai.Tests.TestUtilities;

/// <summary>
/// Collects the Contracts.Ai spans of one test with the real OpenTelemetry SDK and its in-memory
/// exporter. Tests run in parallel, so each test runs under its own parent span and sees only
/// the spans of its own trace.
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private static readonly ActivitySource TestSource = new("Contracts.Ai.Tests");
    private readonly List<Activity> _exported = [];
    private readonly TracerProvider _provider;
    private readonly Activity _parent;

    public SpanCollector()
    {
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(GovernedAiTelemetry.SourceName, TestSource.Name, "Experimental.Microsoft.Extensions.AI", "Microsoft.Extensions.AI")
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(_exported)
            .Build()!;
        _parent = TestSource.StartActivity("test")!;
    }

    public IReadOnlyList<Activity> Spans
    {
        get
        {
            _provider.ForceFlush();
            lock (_exported)
            {
                return _exported.Where(a => a.TraceId == _parent.TraceId && a != _parent).ToList();
            }
        }
    }

    public IReadOnlyList<Activity> Named(string name) => Spans.Where(a => a.OperationName == name).ToList();

    public void Dispose()
    {
        _parent.Dispose();
        _provider.Dispose();
    }
}
