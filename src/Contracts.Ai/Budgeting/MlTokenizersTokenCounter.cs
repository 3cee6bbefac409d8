using System;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Contracts.Ai;

/// <summary>
/// Token counts computed by Microsoft.ML.Tokenizers' <see cref="TiktokenTokenizer"/> for <c>o200k_base</c>
/// and <c>cl100k_base</c>: the reference <see cref="TiktokenTokenCounter"/> is checked against, kept for
/// comparison and for apps that want that library's counts.
/// </summary>
/// <remarks>
/// <para>
/// Counts are equal to <see cref="TiktokenTokenCounter"/>'s for text in the Basic Multilingual Plane
/// without lone surrogates. Microsoft.ML.Tokenizers splits text with .NET regular expressions, which see a
/// letter or digit outside it (such as <c>𝐀</c> or <c>𠀀</c>) as two surrogates rather than a letter, and
/// it counts a lone surrogate otherwise than tiktoken (which sees U+FFFD), so such text may count
/// differently from OpenAI's tiktoken. It is several times slower than <see cref="TiktokenTokenCounter"/>.
/// </para>
/// <para>
/// One instance exists per encoding per process; instances are thread-safe. Text is counted as plain
/// text: <c>&lt;|endoftext|&gt;</c> inside a message is counted by its characters.
/// </para>
/// </remarks>
public sealed partial class MlTokenizersTokenCounter : ITokenCounter, ITokenBoundaryFinder
{
    private static readonly Lazy<MlTokenizersTokenCounter> s_o200kBase = new(() => new MlTokenizersTokenCounter(TiktokenTokenCounter.O200kBase, O200kBasePreTokenizer()));
    private static readonly Lazy<MlTokenizersTokenCounter> s_cl100kBase = new(() => new MlTokenizersTokenCounter(TiktokenTokenCounter.Cl100kBase, Cl100kBasePreTokenizer()));

    private readonly TiktokenTokenizer _tokenizer;
    private readonly Regex _preTokenizer;

    private MlTokenizersTokenCounter(string encoding, Regex preTokenizer)
    {
        Encoding = encoding + " (Microsoft.ML.Tokenizers)";
        _tokenizer = TiktokenTokenizer.CreateForEncoding(encoding);
        _preTokenizer = preTokenizer;
    }

    /// <summary>Gets the encoding's name followed by <c> (Microsoft.ML.Tokenizers)</c>, such as <c>o200k_base (Microsoft.ML.Tokenizers)</c>.</summary>
    /// <remarks>Not the bare encoding name: budgeting keeps cached counts apart per name, and this counter's counts differ from <see cref="TiktokenTokenCounter"/>'s outside the Basic Multilingual Plane.</remarks>
    public string Encoding { get; }

    /// <summary>Returns the shared counter of an encoding.</summary>
    /// <param name="encoding"><see cref="TiktokenTokenCounter.O200kBase"/> or <see cref="TiktokenTokenCounter.Cl100kBase"/> (case-insensitive).</param>
    /// <returns>The counter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="encoding"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="encoding"/> is not one of the supported encodings.</exception>
    public static MlTokenizersTokenCounter ForEncoding(string encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        if (string.Equals(encoding, TiktokenTokenCounter.O200kBase, StringComparison.OrdinalIgnoreCase))
        {
            return s_o200kBase.Value;
        }

        if (string.Equals(encoding, TiktokenTokenCounter.Cl100kBase, StringComparison.OrdinalIgnoreCase))
        {
            return s_cl100kBase.Value;
        }

        throw new ArgumentException($"Unsupported tiktoken encoding '{encoding}'; supported: '{TiktokenTokenCounter.O200kBase}', '{TiktokenTokenCounter.Cl100kBase}'.", nameof(encoding));
    }

    /// <inheritdoc />
    public int CountTokens(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        // The tokenizer would read "<|endoftext|>" and friends as one special token; chat content is
        // plain text, so such text is split with the encoding's own pattern and counted piece by piece.
        return text.IndexOf("<|", StringComparison.Ordinal) < 0
            ? _tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: false)
            : CountOrdinary(text);
    }

    /// <inheritdoc />
    int ITokenBoundaryFinder.GetCharCountByTokenCount(ReadOnlySpan<char> text, int maxTokens, bool fromEnd)
    {
        if (fromEnd)
        {
            int start = _tokenizer.GetIndexByTokenCountFromEnd(text, maxTokens, out _, out _, considerPreTokenization: true, considerNormalization: false);
            return text.Length - start;
        }

        return _tokenizer.GetIndexByTokenCount(text, maxTokens, out _, out _, considerPreTokenization: true, considerNormalization: false);
    }

    private int CountOrdinary(ReadOnlySpan<char> text)
    {
        int count = 0;
        foreach (ValueMatch piece in _preTokenizer.EnumerateMatches(text))
        {
            count += _tokenizer.CountTokens(text.Slice(piece.Index, piece.Length), considerPreTokenization: false, considerNormalization: false);
        }

        return count;
    }

    // The pre-tokenization patterns of OpenAI's tiktoken (tiktoken_ext/openai_public.py), as Microsoft.ML.Tokenizers uses them.
    [GeneratedRegex(@"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    internal static partial Regex O200kBasePreTokenizer();

    [GeneratedRegex(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    internal static partial Regex Cl100kBasePreTokenizer();
}
