using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>The outcome of screening one text for prompt injection.</summary>
/// <param name="IsInjection">Whether the score reached the threshold for the text's origin.</param>
/// <param name="Score">The injection score, from 0 (nothing suspicious) to 1.</param>
/// <param name="Signals">The names of the signals that fired, such as <c>instruction_override</c>; never the text itself.</param>
public sealed record InjectionVerdict(bool IsInjection, double Score, IReadOnlyList<string> Signals)
{
    /// <summary>Gets a verdict for text in which nothing suspicious was found.</summary>
    public static InjectionVerdict Clean { get; } = new(false, 0, []);
}
