namespace Contracts.Ai;

/// <summary>Holds prompt contracts by id and version, and labels (such as <c>production</c>) that point to versions.</summary>
/// <remarks>Implementations are safe to use from many threads at once.</remarks>
public interface IPromptRegistry
{
    /// <summary>Registers a contract version. The label <c>latest</c> moves to the highest version.</summary>
    /// <param name="contract">The contract to register.</param>
    /// <exception cref="ContractDefinitionException">The contract is not valid (the built-in registry lists every problem: version, inputs, template placeholders, schema).</exception>
    /// <exception cref="System.InvalidOperationException">A different contract is already registered under the same id and version.</exception>
    void Register(PromptContract contract);

    /// <summary>Resolves a contract by id and exact version or label.</summary>
    /// <param name="id">The contract id.</param>
    /// <param name="versionOrLabel">An exact version, a label, or <see langword="null"/> for label <c>production</c> when set, else <c>latest</c>.</param>
    /// <returns>The contract.</returns>
    /// <exception cref="ContractNotFoundException">No such contract, version or label; the message lists what is registered. (The governed pipeline also turns a <see cref="System.Collections.Generic.KeyNotFoundException"/> from an app's own registry into this exception.)</exception>
    PromptContract Resolve(string id, string? versionOrLabel = null);

    /// <summary>Points a label at a registered version. Moving a label back is the rollback.</summary>
    /// <param name="id">The contract id.</param>
    /// <param name="label">The label, such as <c>production</c>.</param>
    /// <param name="version">A registered version.</param>
    /// <exception cref="ContractNotFoundException">The contract or the version is not registered.</exception>
    void SetLabel(string id, string label, string version);
}
