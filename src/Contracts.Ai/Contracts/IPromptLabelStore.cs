using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// Holds where labels (such as <c>production</c>) point, so a label moved on one app instance moves on
/// every instance of a fleet.
/// </summary>
/// <remarks>
/// <para>
/// The registry <c>AddGovernedAi()</c> creates (an <see cref="InMemoryPromptRegistry"/>) writes here each time a label is moved at runtime (<see cref="IPromptRegistry.SetLabel"/>,
/// <see cref="InMemoryPromptRegistry.RollbackLabel(string, string)"/>) and reads every contract's positions back in the
/// background every <c>GovernedAi:Routing:StateRefreshInterval</c>; calls never wait for the store.
/// Positions set when the registry is created (contracts, labels from prompt files and
/// <c>SetContractLabel</c>) are the starting point and are not written. A move is stored under the label
/// qualified by its starting point (<c>production@1.0.0</c>), and applies on the instances that started from
/// the same position, where it wins over the starting point; a release whose code or prompt files move the
/// label starts from its own position, so an older move never overrides a deployment. A label stored alone
/// (<c>production</c>, as an operator may write by hand) applies on every instance, unless a move from that
/// instance's starting point is stored too.
/// A stored position naming a version the instance has not registered is ignored there, with a warning.
/// A registry created with <c>new</c>, or an app's own <see cref="IPromptRegistry"/>, does not use the store.
/// </para>
/// <para>
/// The default, <see cref="InMemoryPromptLabelStore"/>, keeps positions in this process; Contracts.Ai.Redis
/// shares them through Redis (<c>UseRedis()</c>). Register your own implementation in the service collection
/// to replace it. Implementations are safe to use from many threads at once.
/// </para>
/// </remarks>
public interface IPromptLabelStore
{
    /// <summary>Records that a contract's label points at a version.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="label">The label, such as <c>production</c>, or a label qualified by its starting point, such as <c>production@1.0.0</c>; stored as given.</param>
    /// <param name="version">The version the label points at.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the position is stored.</returns>
    /// <exception cref="System.ArgumentException">An argument is null, empty or white space.</exception>
    ValueTask SetLabelAsync(string contractId, string label, string version, CancellationToken cancellationToken = default);

    /// <summary>Gets every stored label position of a contract.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The labels and the versions they point at; empty when none is stored.</returns>
    /// <exception cref="System.ArgumentException"><paramref name="contractId"/> is null, empty or white space.</exception>
    ValueTask<IReadOnlyDictionary<string, string>> GetLabelsAsync(string contractId, CancellationToken cancellationToken = default);

    /// <summary>Appends a change (label move, rollback, promotion) to the contract's history, shared by the fleet.</summary>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the change is stored.</returns>
    /// <remarks>The default implementation keeps no history, so stores written before history existed still compile.</remarks>
    ValueTask AppendChangeAsync(PromptChangeEvent change, CancellationToken cancellationToken = default) => default;

    /// <summary>Gets a contract's latest changes, newest first.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="maxCount">The most changes to return.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The changes, newest first; empty when none is stored.</returns>
    ValueTask<IReadOnlyList<PromptChangeEvent>> GetChangesAsync(string contractId, int maxCount = 100, CancellationToken cancellationToken = default) =>
        new(System.Array.Empty<PromptChangeEvent>());
}
