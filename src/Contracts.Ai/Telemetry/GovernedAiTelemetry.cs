using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Contracts.Ai;

/// <summary>The telemetry sources of Contracts.Ai: one <see cref="System.Diagnostics.ActivitySource"/> and one <see cref="System.Diagnostics.Metrics.Meter"/>, both named <see cref="SourceName"/>.</summary>
/// <remarks>
/// Subscribe with OpenTelemetry: <c>tracing.AddSource(GovernedAiTelemetry.SourceName)</c> and
/// <c>metrics.AddMeter(GovernedAiTelemetry.SourceName)</c>. Nothing is allocated and no tag is built
/// while nothing listens.
/// </remarks>
public static class GovernedAiTelemetry
{
    /// <summary>The name of the ActivitySource and of the Meter: <c>Contracts.Ai</c>.</summary>
    public const string SourceName = "Contracts.Ai";

    private static readonly string? Version = typeof(GovernedAiTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    internal static ActivitySource ActivitySource { get; } = new(SourceName, Version);

    internal static Meter Meter { get; } = new(SourceName, Version);

    internal static Histogram<double> RequestDuration { get; } = Meter.CreateHistogram<double>(
        TelemetryNames.Metrics.RequestDuration, "s", "Duration of governed calls.");

    internal static Counter<long> ContractViolations { get; } = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.ContractViolations, "{violation}", "Prompt contract violations.");

    internal static Counter<long> BudgetMessagesDropped { get; } = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.BudgetMessagesDropped, "{message}", "Messages dropped to fit the context window.");

    internal static Counter<long> ToolRejections { get; } = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.ToolRejections, "{rejection}", "Tool calls or outputs rejected by tool governance.");

    internal static Counter<long> IdempotencyReplays { get; } = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.IdempotencyReplays, "{replay}", "Results replayed for a repeated idempotency key.");

    internal static Counter<long> ScreeningDetections { get; } = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.ScreeningDetections, "{detection}", "PII or injection detections by data protection.");

    internal static Counter<long> AuditDropped { get; } = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.AuditDropped, "{record}", "Decision records an audit sink dropped because its queue was full.");

    internal static Counter<long> AuditFailures { get; } = Meter.CreateCounter<long>(
        TelemetryNames.Metrics.AuditFailures, "{record}", "Decision records an audit sink failed to write.");
}
