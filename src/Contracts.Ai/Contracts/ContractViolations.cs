using System.Collections.Generic;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>The validation outcomes the contract stage records (span attribute, audit record, response property).</summary>
internal static class ValidationOutcomes
{
    public const string Passed = "passed";
    public const string Reasked = "reasked";
    public const string Fallback = "fallback";
    public const string Failed = "failed";
}

/// <summary>How the contract stage reports violations: metrics by kind, messages for the exception, the tool allow-list check.</summary>
internal static class ContractViolations
{
    /// <summary>Rejects a response that calls (or asks approval to call) a tool outside the contract's allow-list, before anything can run the call.</summary>
    /// <exception cref="ContractViolationException">A call names a tool the contract does not allow.</exception>
    public static void CheckToolCalls(ContractRequest request, IList<AIContent> contents, int attempt, UsageDetails? usage, ILogger logger)
    {
        if (request.Plan.AllowedTools is null)
        {
            return;
        }

        List<ContractViolation>? violations = null;
        for (int i = 0; i < contents.Count; i++)
        {
            if (ToolApproval.CallIn(contents[i]) is { } call && !request.Plan.IsToolAllowed(call.Name))
            {
                (violations ??= new List<ContractViolation>()).Add(new(
                    ContractViolationKinds.ToolNotAllowed, $"the model called tool '{call.Name}', which the contract does not allow"));
            }
        }

        if (violations is not null)
        {
            PromptContract contract = request.Contract;
            Record(contract, violations);
            request.RecordValidation(ValidationOutcomes.Failed, attempt);
            ContractLog.AnswerRejected(logger, contract.Id, contract.Version, attempt, violations.Count);
            throw new ContractViolationException(contract.Id, contract.Version, Describe(violations, attempt: null), usage) { Kinds = KindsOf(violations, null) };
        }
    }

    public static List<string> Describe(List<ContractViolation> violations, int? attempt)
    {
        var described = new List<string>(violations.Count);
        foreach (ContractViolation violation in violations)
        {
            described.Add(attempt is int n ? $"attempt {n}: {violation.Message}" : violation.Message);
        }

        return described;
    }

    /// <summary>Adds the distinct kinds of <paramref name="violations"/> to <paramref name="kinds"/>, for telemetry.</summary>
    public static List<string> KindsOf(List<ContractViolation> violations, List<string>? kinds)
    {
        kinds ??= new List<string>(2);
        foreach (ContractViolation violation in violations)
        {
            if (!kinds.Contains(violation.Kind))
            {
                kinds.Add(violation.Kind);
            }
        }

        return kinds;
    }

    /// <summary>Counts the violations in the <c>contracts_ai.contract.violations</c> metric, by kind.</summary>
    public static void Record(PromptContract contract, List<ContractViolation> violations)
    {
        if (!GovernedAiTelemetry.ContractViolations.Enabled)
        {
            return;
        }

        foreach (ContractViolation violation in violations)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contract.Id },
                { TelemetryNames.Attributes.ContractVersion, contract.Version },
                { TelemetryNames.Attributes.ViolationKind, violation.Kind },
            };
            GovernedAiTelemetry.ContractViolations.Add(1, tags);
        }
    }
}
