using System;

namespace Contracts.Ai;

/// <summary>Extensions for <see cref="ITokenCounter"/>.</summary>
public static class TokenCounterExtensions
{
    /// <summary>
    /// Returns a counter that counts text as <paramref name="counter"/> does but reports <paramref name="overhead"/>
    /// as its chat format's overhead: register it for a model whose chat template is not OpenAI's
    /// (<c>registry.Register("llama-3.1-70b", TiktokenTokenCounter.ForEncoding("o200k_base").WithOverhead(llamaOverhead))</c>).
    /// </summary>
    /// <param name="counter">The counter of the text.</param>
    /// <param name="overhead">The overhead of the model's chat format.</param>
    /// <returns>The counter with that overhead.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="counter"/> or <paramref name="overhead"/> is <see langword="null"/>.</exception>
    public static ITokenCounter WithOverhead(this ITokenCounter counter, ChatTokenOverhead overhead)
    {
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentNullException.ThrowIfNull(overhead);
        if (counter is OverheadTokenCounter wrapped)
        {
            counter = wrapped.Inner;
        }

        return counter is ITokenCutFinder finder ? new CuttingOverheadTokenCounter(counter, finder, overhead) : new OverheadTokenCounter(counter, overhead);
    }

    private class OverheadTokenCounter(ITokenCounter inner, ChatTokenOverhead overhead) : ITokenCounter
    {
        public ITokenCounter Inner { get; } = inner;

        public string Encoding => Inner.Encoding;

        public ChatTokenOverhead Overhead { get; } = overhead;

        public int CountTokens(ReadOnlySpan<char> text) => Inner.CountTokens(text);
    }

    // Keeps the inner counter's one-pass truncation.
    private sealed class CuttingOverheadTokenCounter(ITokenCounter inner, ITokenCutFinder finder, ChatTokenOverhead overhead)
        : OverheadTokenCounter(inner, overhead), ITokenCutFinder
    {
        public int GetCharCountByTokenCount(ReadOnlySpan<char> text, int maxTokens, bool fromEnd) => finder.GetCharCountByTokenCount(text, maxTokens, fromEnd);

        public int CountWithCheckpoints(ReadOnlySpan<char> text, TokenCheckpoints checkpoints) => finder.CountWithCheckpoints(text, checkpoints);

        public int FindCut(ReadOnlySpan<char> text, TokenCheckpoints checkpoints, int tokens, bool roundUp, out int tokensBefore) =>
            finder.FindCut(text, checkpoints, tokens, roundUp, out tokensBefore);

        public int CountSpliced(ReadOnlySpan<char> spliced, TokenCheckpoints checkpoints, TokenSplice splice) =>
            finder.CountSpliced(spliced, checkpoints, splice);
    }
}
