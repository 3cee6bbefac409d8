namespace Contracts.Ai;

/// <summary>The <c>contracts_ai.violation.kind</c> values of the <c>contracts_ai.contract.violations</c> metric.</summary>
internal static class ContractViolationKinds
{
    public const string InputMissing = "input_missing";
    public const string InputUnknown = "input_unknown";
    public const string InputType = "input_type";
    public const string InputLength = "input_length";
    public const string InputPattern = "input_pattern";
    public const string ToolNotAllowed = "tool_not_allowed";
    public const string OutputNotJson = "output_not_json";
    public const string OutputDuplicateKey = "output_duplicate_key";
    public const string OutputNonFiniteNumber = "output_non_finite_number";
    public const string OutputTruncated = "output_truncated";
    public const string OutputEchoedSchema = "output_echoed_schema";
    public const string OutputSchema = "output_schema";
    public const string OutputType = "output_type";
    public const string OutputValidator = "output_validator";
}

/// <summary>One violation: its kind (for metrics) and its message (what and where, never the value).</summary>
internal readonly record struct ContractViolation(string Kind, string Message);
