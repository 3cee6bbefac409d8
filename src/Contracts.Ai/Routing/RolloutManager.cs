using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// Controls the rollouts of this app by hand: promote a candidate, roll one back or clear its rollback, read each
/// version's health and the change history. Resolve it from the service provider after <c>AddGovernedAi()</c>.
/// </summary>
/// <remarks>
/// Every action is a <see cref="PromptChangeEvent"/>: asked of the app's <see cref="IPromptChangeAuthorizer"/> first
/// (a refusal throws <see cref="PromptChangeRefusedException"/> and changes nothing), then applied on this instance at
/// once, shared with the fleet through <see cref="IRolloutStateStore"/> and <see cref="IPromptLabelStore"/>, written to
/// the audit sinks and appended to the history. Thread-safe.
/// </remarks>
public sealed class RolloutManager
{
    private readonly RolloutController _controller;
    private readonly IPromptLabelStore? _labels;

    internal RolloutManager(RolloutController controller, IPromptLabelStore? labels)
    {
        _controller = controller;
        _labels = labels;
    }

    /// <summary>Promotes a candidate: moves the rollout's label to it in the prompt registry, so all the label's traffic goes there.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="version">The version to promote; <see langword="null"/> for the rollout's only candidate.</param>
    /// <param name="changedBy">Who promotes, for the change history.</param>
    /// <param name="reason">Why, for the change history.</param>
    /// <exception cref="ArgumentException"><paramref name="contractId"/> is null, empty or white space.</exception>
    /// <exception cref="KeyNotFoundException">The contract has no rollout, or the version is not registered.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="version"/> is <see langword="null"/> and the rollout has more than one candidate (or none); or the pipeline does not use the built-in registry.</exception>
    /// <exception cref="PromptChangeRefusedException">The app's <see cref="IPromptChangeAuthorizer"/> refused the promotion.</exception>
    public void Promote(string contractId, string? version = null, string? changedBy = null, string? reason = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        RolloutState state = _controller.GetState(contractId);
        _controller.Promote(state, version ?? OnlyCandidate(state), changedBy, reason, throwIfRefused: true);
    }

    /// <summary>Rolls a candidate back by hand: it gets no traffic, on every instance of the fleet, until the rollback is cleared.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="version">The candidate version.</param>
    /// <param name="changedBy">Who rolls back, for the change history.</param>
    /// <param name="reason">Why, for the change history.</param>
    /// <returns><see langword="true"/> when the version was rolled back by this call; <see langword="false"/> when it already was.</returns>
    /// <exception cref="ArgumentException"><paramref name="contractId"/> or <paramref name="version"/> is null, empty or white space, or <paramref name="version"/> is the baseline.</exception>
    /// <exception cref="KeyNotFoundException">The contract has no rollout.</exception>
    /// <exception cref="PromptChangeRefusedException">The app's <see cref="IPromptChangeAuthorizer"/> refused the rollback.</exception>
    public bool RollBack(string contractId, string version, string? changedBy = null, string? reason = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        RolloutState state = _controller.GetState(contractId);
        if (state.IsBaseline(version))
        {
            throw new ArgumentException($"Version {version} is the baseline of the rollout of '{contractId}' and cannot be rolled back; move the label instead.", nameof(version));
        }

        return _controller.RollBack(state, version, reason ?? "rolled back by hand", changedBy, activity: null, call: null, throwIfRefused: true);
    }

    /// <summary>Clears a candidate's rollback, so it receives its configured weight again, with its health counted afresh.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="version">The candidate version.</param>
    /// <param name="changedBy">Who clears it, for the change history.</param>
    /// <param name="reason">Why, for the change history.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the shared store has the change.</returns>
    /// <exception cref="ArgumentException"><paramref name="contractId"/> or <paramref name="version"/> is null, empty or white space.</exception>
    /// <exception cref="KeyNotFoundException">The contract has no rollout.</exception>
    /// <exception cref="PromptChangeRefusedException">The app's <see cref="IPromptChangeAuthorizer"/> refused it.</exception>
    public Task ClearRollbackAsync(string contractId, string version, string? changedBy = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        return _controller.ClearRollbackAsync(_controller.GetState(contractId), version, changedBy, reason, cancellationToken);
    }

    /// <summary>Gets the health of every version the contract's rollout has served or shadowed on this instance, the baseline first.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <returns>One snapshot per version.</returns>
    /// <exception cref="ArgumentException"><paramref name="contractId"/> is null, empty or white space.</exception>
    /// <exception cref="KeyNotFoundException">The contract has no rollout.</exception>
    public IReadOnlyList<RolloutVersionHealth> GetHealth(string contractId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        return RolloutController.GetHealth(_controller.GetState(contractId));
    }

    /// <summary>Gets whether a version of a contract's rollout is rolled back on this instance.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="version">The version.</param>
    /// <returns><see langword="true"/> when it is rolled back.</returns>
    /// <exception cref="KeyNotFoundException">The contract has no rollout.</exception>
    public bool IsRolledBack(string contractId, string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        return _controller.GetState(contractId).RolledBack.ContainsKey(version);
    }

    /// <summary>Gets the contract's latest changes (label moves, rollbacks, promotions) from the fleet's history, newest first.</summary>
    /// <param name="contractId">The contract id.</param>
    /// <param name="maxCount">The most changes to return.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The changes, newest first.</returns>
    /// <exception cref="ArgumentException"><paramref name="contractId"/> is null, empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is not positive.</exception>
    public ValueTask<IReadOnlyList<PromptChangeEvent>> GetChangesAsync(string contractId, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        return _labels is null
            ? new ValueTask<IReadOnlyList<PromptChangeEvent>>(Array.Empty<PromptChangeEvent>())
            : _labels.GetChangesAsync(contractId, maxCount, cancellationToken);
    }

    private static string OnlyCandidate(RolloutState state)
    {
        IList<RolloutVariant> variants = state.Rollout.Variants;
        if (variants.Count != 2)
        {
            throw new InvalidOperationException(
                $"The rollout of '{state.ContractId}' has {variants.Count - 1} candidates; name the version to promote.");
        }

        return variants[1].Version;
    }
}
