using System;

namespace Contracts.Ai;

/// <summary>Counts the tokens a model's tokenizer turns text into.</summary>
/// <remarks>
/// Token budgeting calls <see cref="CountTokens"/> from many threads at once, so implementations
/// must be thread-safe. Register one per model with <see cref="TokenCounterRegistry.Register"/>
/// (or <c>IGovernedAiBuilder.AddTokenCounter</c>) to budget models whose tokenizer is not tiktoken.
/// </remarks>
public interface ITokenCounter
{
    /// <summary>Gets the name of the encoding the counter implements, such as <c>o200k_base</c>.</summary>
    /// <remarks>Counts cached by token budgeting are kept apart per encoding, so two counters with the same name must count alike.</remarks>
    string Encoding { get; }

    /// <summary>Counts the tokens of <paramref name="text"/>, treating it as plain text (special-token markers such as <c>&lt;|endoftext|&gt;</c> are ordinary characters).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number of tokens; 0 for empty text.</returns>
    int CountTokens(ReadOnlySpan<char> text);

    /// <summary>Gets the tokens the model's chat format adds around counted text (per message, name, tool call, tool definition and request).</summary>
    /// <value>Defaults to <see cref="ChatTokenOverhead.OpenAI"/>. Return one shared instance: budgeting reads it on every count.</value>
    ChatTokenOverhead Overhead => ChatTokenOverhead.OpenAI;
}
