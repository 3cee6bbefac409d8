namespace Contracts.Ai;

/// <summary>Decides whether a label move, rollback or promotion may happen; register one in the service collection to control changes.</summary>
/// <remarks>
/// Asked before every change the built-in registry and rollouts make, automatic ones included. A refused change made
/// by a caller throws <see cref="PromptChangeRefusedException"/>; a refused automatic one is logged and not applied.
/// Called on the thread making the change: it must be quick, thread-safe and must not block.
/// </remarks>
/// <example><code>
/// sealed class ReleaseManagersOnly : IPromptChangeAuthorizer
/// {
///     public bool TryAuthorize(PromptChangeEvent change, out string? refusal)
///     {
///         refusal = change.ChangedBy is "release-bot" or "auto-rollback" ? null : "only release-bot moves production";
///         return refusal is null;
///     }
/// }
/// services.AddSingleton&lt;IPromptChangeAuthorizer, ReleaseManagersOnly&gt;();
/// </code></example>
public interface IPromptChangeAuthorizer
{
    /// <summary>Decides whether <paramref name="change"/> may happen.</summary>
    /// <param name="change">The change about to be made.</param>
    /// <param name="refusal">When refused, why (shown to operators; no secrets).</param>
    /// <returns><see langword="true"/> to allow the change.</returns>
    bool TryAuthorize(PromptChangeEvent change, out string? refusal);
}
