using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>The contract stage's log messages: ids, versions and counts, never prompt or answer text.</summary>
internal static partial class ContractLog
{
    [LoggerMessage(1, LogLevel.Warning, "Contract {ContractId} version {ContractVersion} is deprecated since {DeprecatedAfter:O} and still in use; replaced by {ReplacedBy}.")]
    public static partial void DeprecatedContract(ILogger logger, string contractId, string contractVersion, DateTimeOffset deprecatedAfter, string replacedBy);

    [LoggerMessage(2, LogLevel.Warning, "Contract {ContractId} version {ContractVersion}: attempt {Attempt} broke the contract with {ViolationCount} violation(s).")]
    public static partial void AnswerRejected(ILogger logger, string contractId, string contractVersion, int attempt, int violationCount);

    [LoggerMessage(3, LogLevel.Information, "Contract {ContractId} version {ContractVersion}: re-asking the model (attempt {Attempt}).")]
    public static partial void Reasking(ILogger logger, string contractId, string contractVersion, int attempt);

    [LoggerMessage(4, LogLevel.Information, "Contract {ContractId} version {ContractVersion}: approval of a call to tool {ToolName} requested from the caller.")]
    public static partial void ApprovalRequested(ILogger logger, string contractId, string contractVersion, string toolName);

    [LoggerMessage(5, LogLevel.Information, "Contract {ContractId} version {ContractVersion}: the caller's decision on a call to tool {ToolName}: {Decision}.")]
    public static partial void ApprovalDecided(ILogger logger, string contractId, string contractVersion, string toolName, string decision);
}
