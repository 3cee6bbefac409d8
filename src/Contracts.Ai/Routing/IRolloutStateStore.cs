using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>Holds rollback decisions, so a version rolled back on one app instance is rolled back on all of them.</summary>
/// <remarks>Implementations are safe to use from many threads. The default keeps decisions in memory; Contracts.Ai.Redis shares them across a fleet.</remarks>
public interface IRolloutStateStore
{
    /// <summary>Records that <paramref name="version"/> of a rollout was rolled back.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="label">The rollout's label.</param>
    /// <param name="version">The version rolled back.</param>
    /// <param name="reason">Why, for operators (no request content).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the decision is stored.</returns>
    ValueTask MarkRolledBackAsync(string contractId, string label, string version, string reason, CancellationToken cancellationToken = default);

    /// <summary>Gets the versions of a rollout that are rolled back, with the reason.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="label">The rollout's label.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The rolled-back versions and reasons.</returns>
    ValueTask<IReadOnlyDictionary<string, string>> GetRolledBackAsync(string contractId, string label, CancellationToken cancellationToken = default);

    /// <summary>Clears a rollback, so the version receives its configured weight again.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="label">The rollout's label.</param>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the decision is cleared.</returns>
    ValueTask ClearRollbackAsync(string contractId, string label, string version, CancellationToken cancellationToken = default);
}
