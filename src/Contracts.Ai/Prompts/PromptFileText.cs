using System.Collections.Generic;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// The text of a prompt file that reaches a model or a user verbatim (template, fallback answer, sample values),
/// read even when the file has errors, so security checks never depend on the rest of the file being valid.
/// </summary>
/// <param name="Path">The file's path.</param>
/// <param name="Template">The template; the whole file when its front matter could not be read.</param>
/// <param name="TemplateLine">The 1-based line where <paramref name="Template"/> starts.</param>
/// <param name="Fallback">The fallback answer, when the file declares one.</param>
/// <param name="Sample">The sample input values that could be read.</param>
/// <param name="Positions">Where each front-matter field is, by field path (such as <c>sample.customer</c>).</param>
internal sealed record PromptFileText(
    string Path,
    string Template,
    int TemplateLine,
    string? Fallback,
    IReadOnlyDictionary<string, JsonElement> Sample,
    IReadOnlyDictionary<string, (int Line, int Column)> Positions)
{
    /// <summary>Gets where a front-matter field is, or the start of the file when it is unknown.</summary>
    public (int Line, int Column) PositionOf(string field) =>
        Positions.TryGetValue(field, out (int Line, int Column) position) ? position : (1, 1);
}
