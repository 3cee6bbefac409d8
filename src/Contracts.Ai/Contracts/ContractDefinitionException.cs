using System;
using System.Collections.Generic;
using System.Text;

namespace Contracts.Ai;

/// <summary>
/// Thrown when a prompt contract is registered (<c>AddContract</c>, <see cref="IPromptRegistry.Register"/>) with
/// a definition that cannot be enforced: a version that is not semantic, an invalid input rule, a placeholder
/// without a declared input or a declared input the template never uses, an output schema that is not valid
/// JSON Schema, a fallback that breaks the schema.
/// </summary>
/// <remarks>
/// Every problem is listed, each naming what and where (the input, the JSON pointer in the schema), the same
/// rules <c>contracts-ai lint</c> applies to prompt files. Nothing is registered.
/// </remarks>
public class ContractDefinitionException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="ContractDefinitionException"/> class.</summary>
    public ContractDefinitionException()
        : this("The prompt contract definition is not valid.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContractDefinitionException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public ContractDefinitionException(string message)
        : base(message)
    {
        Problems = Array.Empty<string>();
    }

    /// <summary>Initializes a new instance of the <see cref="ContractDefinitionException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public ContractDefinitionException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Problems = Array.Empty<string>();
    }

    /// <summary>Initializes a new instance of the <see cref="ContractDefinitionException"/> class for a contract and its problems.</summary>
    /// <param name="contractId">The contract's id (as given, possibly empty).</param>
    /// <param name="contractVersion">The contract's version (as given, possibly not a semantic version).</param>
    /// <param name="problems">Every problem found, each naming what and where.</param>
    public ContractDefinitionException(string? contractId, string? contractVersion, IReadOnlyList<string> problems)
        : base(BuildMessage(contractId, contractVersion, problems))
    {
        ContractId = contractId;
        ContractVersion = contractVersion;
        Problems = problems ?? Array.Empty<string>();
    }

    /// <summary>Gets the id of the contract, when known.</summary>
    public string? ContractId { get; }

    /// <summary>Gets the version of the contract, when known.</summary>
    public string? ContractVersion { get; }

    /// <summary>Gets every problem found, each naming what and where.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string BuildMessage(string? contractId, string? contractVersion, IReadOnlyList<string>? problems)
    {
        int count = problems?.Count ?? 0;
        var text = new StringBuilder();
        text.Append("Contract '").Append(contractId).Append("' version ").Append(contractVersion)
            .Append(" is not valid (").Append(count).Append(count == 1 ? " problem)" : " problems)");
        if (count == 0)
        {
            return text.Append('.').ToString();
        }

        text.Append(':');
        foreach (string problem in problems!)
        {
            text.Append("\n  - ").Append(problem);
        }

        return text.ToString();
    }

    /// <inheritdoc />
    internal override bool IsExpectedOutcome => false;
}
