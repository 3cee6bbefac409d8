using System;

namespace Contracts.Ai;

/// <summary>An <see cref="IPromptChangeAuthorizer"/> refused a label move, rollback or promotion; nothing was changed.</summary>
public sealed class PromptChangeRefusedException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="PromptChangeRefusedException"/> class.</summary>
    public PromptChangeRefusedException()
        : base("A prompt change was refused.")
    {
        ContractId = Label = Reason = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="PromptChangeRefusedException"/> class with a message.</summary>
    /// <param name="message">What was refused and why.</param>
    public PromptChangeRefusedException(string message)
        : base(message)
    {
        ContractId = Label = Reason = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="PromptChangeRefusedException"/> class with a message and a cause.</summary>
    /// <param name="message">What was refused and why.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public PromptChangeRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ContractId = Label = Reason = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="PromptChangeRefusedException"/> class for a refused change.</summary>
    /// <param name="change">The change that was refused.</param>
    /// <param name="reason">Why the authorizer refused it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="change"/> is <see langword="null"/>.</exception>
    public PromptChangeRefusedException(PromptChangeEvent change, string? reason)
        : base(Describe(change, reason))
    {
        ContractId = change.ContractId;
        Label = change.Label;
        FromVersion = change.FromVersion;
        ToVersion = change.ToVersion;
        Kind = change.Kind;
        Reason = string.IsNullOrWhiteSpace(reason) ? "no reason given" : reason;
    }

    /// <summary>Gets the contract id.</summary>
    public string ContractId { get; }

    /// <summary>Gets the label the change would have moved.</summary>
    public string Label { get; }

    /// <summary>Gets the version the label's traffic goes to (unchanged).</summary>
    public string? FromVersion { get; }

    /// <summary>Gets the version the change would have sent the traffic to.</summary>
    public string? ToVersion { get; }

    /// <summary>Gets what the change was.</summary>
    public PromptChangeKind Kind { get; }

    /// <summary>Gets why the authorizer refused it.</summary>
    public string Reason { get; }

    private static string Describe(PromptChangeEvent change, string? reason)
    {
        ArgumentNullException.ThrowIfNull(change);
        return $"{change.Kind} of label '{change.Label}' of contract '{change.ContractId}' from {change.FromVersion ?? "(none)"} to {change.ToVersion ?? "(none)"} " +
            $"by {change.ChangedBy} was refused: {(string.IsNullOrWhiteSpace(reason) ? "no reason given" : reason)}.";
    }
}
