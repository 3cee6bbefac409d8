using System;

namespace Contracts.Ai;

/// <summary>
/// Thrown when a call or a label move names a contract, version or label that is not registered.
/// </summary>
/// <remarks>
/// It is not a <see cref="ContractViolationException"/>: no contract was broken, the request (or the app's
/// set-up) named one that does not exist. Like every <see cref="GovernedAiException"/> it is an expected
/// outcome of the call: the request span's <c>contracts_ai.outcome</c> is <c>rejected</c> and it is logged
/// as a warning without a stack trace. The message lists what is registered (ids with their versions and
/// labels), so the typo or the missing registration shows at once.
/// </remarks>
public class ContractNotFoundException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="ContractNotFoundException"/> class.</summary>
    public ContractNotFoundException()
        : this("The prompt contract is not registered.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContractNotFoundException"/> class with a message.</summary>
    /// <param name="message">What was not found and what is registered.</param>
    public ContractNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContractNotFoundException"/> class with a message and a cause.</summary>
    /// <param name="message">What was not found and what is registered.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public ContractNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContractNotFoundException"/> class for a contract id and the version or label asked for.</summary>
    /// <param name="contractId">The contract id that was asked for.</param>
    /// <param name="versionOrLabel">The version or label asked for; <see langword="null"/> when the contract id itself is unknown.</param>
    /// <param name="message">What was not found and what is registered.</param>
    public ContractNotFoundException(string contractId, string? versionOrLabel, string message)
        : base(message)
    {
        ContractId = contractId;
        VersionOrLabel = versionOrLabel;
    }

    /// <summary>Gets the contract id that was asked for, when known.</summary>
    public string? ContractId { get; }

    /// <summary>Gets the version or label that was asked for; <see langword="null"/> when the id itself is not registered or none was named.</summary>
    public string? VersionOrLabel { get; }
}
