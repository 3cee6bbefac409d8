namespace Contracts.Ai;

/// <summary>A piece of context the app put into the prompt, such as a retrieved document, recorded for audit by id and provenance (never by content).</summary>
/// <param name="Id">The source's id, such as a document id.</param>
/// <param name="Provenance">Where it came from, such as an index name or URL.</param>
/// <param name="ContentHash">An optional hash of the content as it was used.</param>
public sealed record ContextSource(string Id, string? Provenance = null, string? ContentHash = null);
