using System.Text.Json.Serialization;

namespace Contracts.Ai;

/// <summary>What a <see cref="PromptChangeEvent"/> changed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PromptChangeKind>))]
public enum PromptChangeKind
{
    /// <summary>A label was moved to another version (<see cref="IPromptRegistry.SetLabel"/>).</summary>
    LabelMoved,

    /// <summary>A label was moved back to its previous version (<see cref="InMemoryPromptRegistry.RollbackLabel(string, string)"/>).</summary>
    LabelRolledBack,

    /// <summary>A rollout's label was moved to its candidate (by hand or by auto-promotion).</summary>
    Promoted,

    /// <summary>A rollout's candidate stopped receiving traffic (by hand or by automatic rollback); its users return to the baseline.</summary>
    RolledBack,

    /// <summary>A candidate's rollback was cleared, so it receives its configured weight again.</summary>
    RollbackCleared,
}
