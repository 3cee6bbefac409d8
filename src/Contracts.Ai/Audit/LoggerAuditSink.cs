using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// Writes each <see cref="DecisionRecord"/> as one structured log entry (category
/// <c>Contracts.Ai.Audit</c>, event id 5100), so the audit flows wherever the app's logs go.
/// </summary>
/// <remarks>Never blocks or fails the governed call (see <see cref="QueuedAuditSink"/>): logging providers may block, so they run on the sink's writer.</remarks>
internal sealed partial class LoggerAuditSink : QueuedAuditSink
{
    internal const string SinkName = "log";

    internal const string Category = "Contracts.Ai.Audit";

    private readonly LogLevel _level;

    public LoggerAuditSink(AuditLogOptions options, ILogger logger)
        : base(SinkName, options.Capacity, logger)
    {
        _level = options.Level;
    }

    protected override ValueTask WriteRecordAsync(DecisionRecord record)
    {
        if (Logger.IsEnabled(_level))
        {
            LogDecision(
                Logger,
                _level,
                record.Outcome,
                record.ContractId,
                record.ContractVersion,
                record.Variant,
                record.ContractLabel,
                record.TenantId,
                record.TraceId,
                record.SpanId,
                record.RenderedPromptHash,
                record.ContextSources.Count,
                record.ToolCalls.Count,
                record.ValidationOutcome,
                record.ValidationAttempts,
                record.IdempotencyOutcome,
                record.TokensBeforeBudget,
                record.TokensAfterBudget,
                record.InputTokens,
                record.OutputTokens,
                record.Redactions,
                record.ScreeningDetections,
                record.DurationMs,
                record.ErrorType);
        }

        return default;
    }

    [LoggerMessage(EventId = 5100, Message =
        "Governed call {Outcome}: contract {ContractId} {ContractVersion} variant {Variant} label {ContractLabel}, tenant {TenantId}, " +
        "trace {TraceId} span {SpanId}, prompt hash {RenderedPromptHash}, {ContextSourceCount} context source(s), {ToolCallCount} tool call(s), " +
        "validation {ValidationOutcome} after {ValidationAttempts} attempt(s), idempotency {IdempotencyOutcome}, " +
        "tokens {TokensBeforeBudget} -> {TokensAfterBudget} budgeted, usage {InputTokens} in / {OutputTokens} out, " +
        "{Redactions} redaction(s), {ScreeningDetections} detection(s), {DurationMs} ms, error {ErrorType}")]
    private static partial void LogDecision(
        ILogger logger,
        LogLevel level,
        string outcome,
        string? contractId,
        string? contractVersion,
        string? variant,
        string? contractLabel,
        string? tenantId,
        string? traceId,
        string? spanId,
        string? renderedPromptHash,
        int contextSourceCount,
        int toolCallCount,
        string? validationOutcome,
        int validationAttempts,
        string? idempotencyOutcome,
        int? tokensBeforeBudget,
        int? tokensAfterBudget,
        long? inputTokens,
        long? outputTokens,
        int redactions,
        int screeningDetections,
        double durationMs,
        string? errorType);
}
