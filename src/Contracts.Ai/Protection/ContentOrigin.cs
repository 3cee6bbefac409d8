namespace Contracts.Ai;

/// <summary>Where a piece of text entered the conversation; injection screening weighs its signals and thresholds by it.</summary>
public enum ContentOrigin
{
    /// <summary>Text the user wrote: a direct prompt.</summary>
    UserPrompt,

    /// <summary>Text a tool returned: untrusted data that may carry indirect instructions.</summary>
    ToolOutput,

    /// <summary>Text of a retrieved document (search result, RAG chunk, web page): untrusted data that may carry indirect instructions.</summary>
    RetrievedDocument,
}
