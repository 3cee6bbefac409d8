using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>Screens text for prompt injection: instructions that try to override the app's own.</summary>
/// <remarks>
/// Implementations must be safe to call concurrently. The built-in one is
/// <see cref="HeuristicInjectionDetector"/>; combine it with a model-based detector (for example an
/// ONNX classifier) through <see cref="CompositeInjectionDetector"/>.
/// </remarks>
public interface IInjectionDetector
{
    /// <summary>Screens <paramref name="text"/>.</summary>
    /// <param name="text">The text to screen.</param>
    /// <param name="origin">Where the text came from; indirect origins (tool output, retrieved documents) are judged differently from user prompts.</param>
    /// <param name="cancellationToken">Cancels the screening.</param>
    /// <returns>The verdict.</returns>
    ValueTask<InjectionVerdict> DetectAsync(string text, ContentOrigin origin, CancellationToken cancellationToken = default);
}
