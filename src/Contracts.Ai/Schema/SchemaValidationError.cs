namespace Contracts.Ai;

/// <summary>One schema violation.</summary>
/// <param name="Path">Where in the document, as a JSON path such as <c>$.items[2].sku</c>.</param>
/// <param name="Keyword">The schema keyword that failed, such as <c>required</c> or <c>maxLength</c>.</param>
/// <param name="Message">What was expected and what came, without the document's values.</param>
public sealed record SchemaValidationError(string Path, string Keyword, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message} ({Keyword})";
}
