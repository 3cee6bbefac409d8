using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Thrown when a governed call breaks its prompt contract: inputs that do not match the declared
/// inputs, a call to a tool outside the allow-list, or a final answer that fails the output
/// schema after every permitted re-ask.
/// </summary>
public class ContractViolationException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="ContractViolationException"/> class.</summary>
    public ContractViolationException()
        : this("A prompt contract was violated.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContractViolationException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public ContractViolationException(string message)
        : base(message)
    {
        Violations = Array.Empty<string>();
    }

    /// <summary>Initializes a new instance of the <see cref="ContractViolationException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public ContractViolationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Violations = Array.Empty<string>();
    }

    /// <summary>Initializes a new instance of the <see cref="ContractViolationException"/> class for a contract.</summary>
    /// <param name="contractId">The id of the contract that was violated.</param>
    /// <param name="contractVersion">The version of the contract that was violated.</param>
    /// <param name="violations">Every violation found, each naming where it was found.</param>
    /// <param name="usage">The token usage of every model call the contract made, summed; <see langword="null"/> when no model was called.</param>
    public ContractViolationException(string contractId, string contractVersion, IReadOnlyList<string> violations, UsageDetails? usage = null)
        : base(BuildMessage(contractId, contractVersion, violations))
    {
        ContractId = contractId;
        ContractVersion = contractVersion;
        Violations = violations ?? Array.Empty<string>();
        Usage = usage;
    }

    /// <summary>Gets the id of the contract that was violated, when known.</summary>
    public string? ContractId { get; }

    /// <summary>Gets the version of the contract that was violated, when known.</summary>
    public string? ContractVersion { get; }

    /// <summary>Gets every violation found, each naming where it was found (input name, JSON path, tool name).</summary>
    public IReadOnlyList<string> Violations { get; }

    /// <summary>Gets the total token usage across every attempt, when any model call was made.</summary>
    public UsageDetails? Usage { get; }

    /// <summary>Gets the kinds of the violations (such as <c>output_schema</c>), for telemetry; empty when not known.</summary>
    internal IReadOnlyList<string> Kinds { get; init; } = Array.Empty<string>();

    internal override string TelemetryDescription =>
        ContractId is null
            ? GetType().Name
            : $"Contract '{ContractId}' version {ContractVersion} was violated ({Violations.Count} violation{(Violations.Count == 1 ? string.Empty : "s")}{(Kinds.Count == 0 ? string.Empty : ": " + string.Join(", ", Kinds))}).";

    private static string BuildMessage(string contractId, string contractVersion, IReadOnlyList<string>? violations)
    {
        int count = violations?.Count ?? 0;
        string head = $"Contract '{contractId}' version {contractVersion} was violated ({count} violation{(count == 1 ? string.Empty : "s")})";
        return count == 0 ? head + "." : head + ": " + string.Join("; ", violations!);
    }
}
