using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Finds personal data and secrets in text.</summary>
/// <remarks>
/// Implementations must be safe to call concurrently. The built-in one is <see cref="DefaultPiiRecognizer"/>;
/// an app adds its own (for example a named-entity model for names and addresses) by registering an
/// <see cref="IPiiRecognizer"/> that combines both.
/// </remarks>
public interface IPiiRecognizer
{
    /// <summary>Finds the personal data and secrets in <paramref name="text"/>.</summary>
    /// <param name="text">The text to scan.</param>
    /// <returns>The matches, ordered by <see cref="PiiMatch.Start"/>, never overlapping.</returns>
    IReadOnlyList<PiiMatch> Recognize(string text);
}
