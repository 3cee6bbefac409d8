using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// Screens a tool's output before it reaches the model: PII redaction and injection screening by
/// the data-protection policy. Tool governance calls it for every governed tool call when registered.
/// </summary>
internal interface IToolOutputScreen
{
    /// <summary>Returns the output as the model may see it (redacted, or spotlighted as data).</summary>
    /// <param name="toolName">The tool that produced the output.</param>
    /// <param name="output">The output, as JSON text.</param>
    /// <param name="call">The call's decision state, or <see langword="null"/> when nothing observes it.</param>
    /// <param name="cancellationToken">Cancels the screening.</param>
    /// <returns>The screened output.</returns>
    /// <exception cref="UnsafeContentException">The policy blocks the output.</exception>
    ValueTask<string> ScreenAsync(string toolName, string output, GovernedCall? call, CancellationToken cancellationToken);
}
