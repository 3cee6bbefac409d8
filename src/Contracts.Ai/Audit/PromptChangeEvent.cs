using System;

namespace Contracts.Ai;

/// <summary>
/// One change to what a label serves: a label move, a rollback or a promotion, with who made it, when, why,
/// from which version to which, and on which instance.
/// </summary>
/// <remarks>
/// Written to every <see cref="IAuditSink"/> (as a <see cref="DecisionRecord"/> whose <see cref="DecisionRecord.Change"/>
/// is set) and appended to the fleet's history in the <see cref="IPromptLabelStore"/>. Never holds prompt or answer text.
/// </remarks>
public sealed class PromptChangeEvent
{
    /// <summary>Gets what changed.</summary>
    public PromptChangeKind Kind { get; init; }

    /// <summary>Gets the contract id.</summary>
    public required string ContractId { get; init; }

    /// <summary>Gets the label (for a rollout, the rollout's label).</summary>
    public required string Label { get; init; }

    /// <summary>Gets the version the label's traffic went to before, or <see langword="null"/> when the label had no position.</summary>
    public string? FromVersion { get; init; }

    /// <summary>Gets the version the label's traffic goes to now.</summary>
    public string? ToVersion { get; init; }

    /// <summary>Gets who made the change: the user or service named by the caller, or <c>auto-rollback</c>, <c>auto-promote</c>, <c>unknown</c>.</summary>
    public required string ChangedBy { get; init; }

    /// <summary>Gets why, as the caller or the automatic decision stated it, or <see langword="null"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets when the change was made (UTC).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the instance that made it (<c>GovernedAi:Routing:InstanceId</c>).</summary>
    public required string InstanceId { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind} {ContractId} label '{Label}' {FromVersion ?? "(none)"} -> {ToVersion ?? "(none)"} by {ChangedBy} on {InstanceId}{(Reason is null ? string.Empty : ": " + Reason)}";
}
