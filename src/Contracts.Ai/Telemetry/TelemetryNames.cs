namespace Contracts.Ai;

/// <summary>Span, attribute and metric names, as ARCHITECTURE.md pins them.</summary>
internal static class TelemetryNames
{
    internal static class Spans
    {
        public const string Request = "contracts_ai.request";
        public const string Budget = "contracts_ai.budget";
        public const string ToolPrefix = "contracts_ai.tool ";
        public const string ScreeningDetectionEvent = "contracts_ai.screening.detection";
    }

    internal static class Attributes
    {
        public const string ContractId = "contracts_ai.contract.id";
        public const string ContractVersion = "contracts_ai.contract.version";
        public const string ContractLabel = "contracts_ai.contract.label";
        public const string ContractDeprecated = "contracts_ai.contract.deprecated";
        public const string Variant = "contracts_ai.variant";
        public const string ValidationOutcome = "contracts_ai.validation.outcome";
        public const string ValidationAttempts = "contracts_ai.validation.attempts";
        public const string IdempotencyOutcome = "contracts_ai.idempotency.outcome";
        public const string TenantId = "contracts_ai.tenant.id";
        public const string BudgetLimit = "contracts_ai.budget.limit";
        public const string BudgetTokensBefore = "contracts_ai.budget.tokens_before";
        public const string BudgetTokensAfter = "contracts_ai.budget.tokens_after";
        public const string BudgetMessagesDropped = "contracts_ai.budget.messages_dropped";
        public const string ToolOutcome = "contracts_ai.tool.outcome";
        public const string ToolRejection = "contracts_ai.tool.rejection";
        public const string ViolationKind = "contracts_ai.violation.kind";
        public const string GenAiToolName = "gen_ai.tool.name";
        public const string GenAiToolCallId = "gen_ai.tool.call.id";
        public const string GenAiRequestModel = "gen_ai.request.model";
        public const string ErrorType = "error.type";
        public const string IdempotencyFailureMode = "contracts_ai.idempotency.failure_mode";
        public const string Outcome = "contracts_ai.outcome";
        public const string GenAiUsageInputTokens = "gen_ai.usage.input_tokens";
        public const string GenAiUsageOutputTokens = "gen_ai.usage.output_tokens";
        public const string GenAiInputMessages = "gen_ai.input.messages";
        public const string GenAiOutputMessages = "gen_ai.output.messages";
        public const string AuditSink = "contracts_ai.audit.sink";
        public const string ScreeningKind = "contracts_ai.screening.kind";
        public const string ScreeningOrigin = "contracts_ai.screening.origin";
        public const string ScreeningAction = "contracts_ai.screening.action";
        public const string ScreeningScore = "contracts_ai.screening.score";
        public const string ScreeningSignals = "contracts_ai.screening.signals";
        public const string ScreeningDirection = "contracts_ai.screening.direction";
    }

    internal static class Metrics
    {
        public const string RequestDuration = "contracts_ai.request.duration";
        public const string ContractViolations = "contracts_ai.contract.violations";
        public const string BudgetMessagesDropped = "contracts_ai.budget.messages_dropped";
        public const string ToolRejections = "contracts_ai.tool.rejections";
        public const string IdempotencyReplays = "contracts_ai.idempotency.replays";
        public const string ScreeningDetections = "contracts_ai.screening.detections";
        public const string IdempotencyStoreUnavailable = "contracts_ai.idempotency.store_unavailable";
        public const string AuditDropped = "contracts_ai.audit.dropped";
        public const string AuditFailures = "contracts_ai.audit.failures";
    }
}
