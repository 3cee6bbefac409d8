using System;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.ML.Tokenizers;

namespace Contracts.Ai;

/// <summary>
/// Exact token counts for OpenAI models, on the tiktoken encodings of Microsoft.ML.Tokenizers
/// (<c>o200k_base</c> and <c>cl100k_base</c>).
/// </summary>
/// <remarks>
/// <para>
/// One instance exists per encoding per process: <see cref="ForModel"/> and <see cref="ForEncoding"/>
/// return the shared instance, created (and its vocabulary loaded) on first use. Instances are
/// thread-safe.
/// </para>
/// <para>
/// Text is counted as plain text, as the chat APIs treat message content: a special-token marker such
/// as <c>&lt;|endoftext|&gt;</c> inside a message is counted by its characters, not as one special token.
/// </para>
/// </remarks>
public sealed partial class TiktokenTokenCounter : ITokenCounter
{
    /// <summary>The name of the encoding of GPT-4o, GPT-4.1, GPT-5 and the o-series reasoning models: <c>o200k_base</c>.</summary>
    public const string O200kBase = "o200k_base";

    /// <summary>The name of the encoding of GPT-4, GPT-3.5 Turbo and the text-embedding-3 models: <c>cl100k_base</c>.</summary>
    public const string Cl100kBase = "cl100k_base";

    private static TiktokenTokenCounter? s_o200kBase;
    private static TiktokenTokenCounter? s_cl100kBase;

    private readonly TiktokenTokenizer _tokenizer;
    private readonly Regex _preTokenizer;

    private TiktokenTokenCounter(string encoding, Regex preTokenizer)
    {
        Encoding = encoding;
        _tokenizer = TiktokenTokenizer.CreateForEncoding(encoding);
        _preTokenizer = preTokenizer;
    }

    /// <inheritdoc />
    public string Encoding { get; }

    /// <summary>Gets the underlying Microsoft.ML.Tokenizers tokenizer.</summary>
    internal TiktokenTokenizer Tokenizer => _tokenizer;

    /// <summary>Returns the shared counter of the encoding <paramref name="modelId"/> uses.</summary>
    /// <param name="modelId">An OpenAI model id, such as <c>gpt-4o-mini</c>, <c>gpt-5</c>, <c>o3-mini</c> or <c>gpt-3.5-turbo</c>; fine-tune ids (<c>ft:gpt-4o-mini:...</c>) and Azure spellings (<c>gpt-35-turbo</c>) are understood.</param>
    /// <returns>The counter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="modelId"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The model is not a known OpenAI model; the message says how to choose an encoding or register a counter for it.</exception>
    public static TiktokenTokenCounter ForModel(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        return TryGetEncodingForModel(modelId, out string? encoding)
            ? ForEncoding(encoding)
            : throw new ArgumentException(
                $"No tiktoken encoding is known for model '{modelId}'. Choose one with TiktokenTokenCounter.ForEncoding(\"o200k_base\"), " +
                "set TokenBudgetOptions.DefaultEncoding, or register a counter for the model with TokenCounterRegistry.Register(modelId, counter).",
                nameof(modelId));
    }

    /// <summary>Returns the shared counter of an encoding.</summary>
    /// <param name="encoding"><see cref="O200kBase"/> or <see cref="Cl100kBase"/> (case-insensitive).</param>
    /// <returns>The counter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="encoding"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="encoding"/> is not one of the supported encodings.</exception>
    public static TiktokenTokenCounter ForEncoding(string encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        if (string.Equals(encoding, O200kBase, StringComparison.OrdinalIgnoreCase))
        {
            return Volatile.Read(ref s_o200kBase) ?? Create(ref s_o200kBase, O200kBase, O200kBasePreTokenizer());
        }

        if (string.Equals(encoding, Cl100kBase, StringComparison.OrdinalIgnoreCase))
        {
            return Volatile.Read(ref s_cl100kBase) ?? Create(ref s_cl100kBase, Cl100kBase, Cl100kBasePreTokenizer());
        }

        throw new ArgumentException($"Unsupported tiktoken encoding '{encoding}'; supported: '{O200kBase}', '{Cl100kBase}'.", nameof(encoding));
    }

    /// <summary>Finds the encoding an OpenAI model uses.</summary>
    /// <param name="modelId">The model id.</param>
    /// <param name="encoding">The encoding's name, when the model is known.</param>
    /// <returns><see langword="true"/> when the model is known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="modelId"/> is <see langword="null"/>.</exception>
    public static bool TryGetEncodingForModel(string modelId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? encoding)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ReadOnlySpan<char> id = modelId.AsSpan().Trim();
        if (id.StartsWith("ft:", StringComparison.OrdinalIgnoreCase))
        {
            id = id[3..];
        }

        int slash = id.LastIndexOf('/');
        if (slash >= 0)
        {
            id = id[(slash + 1)..];
        }

        encoding =
            id.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase) ||
            id.StartsWith("chatgpt-4o", StringComparison.OrdinalIgnoreCase) ||
            id.StartsWith("gpt-4.1", StringComparison.OrdinalIgnoreCase) ||
            id.StartsWith("gpt-4.5", StringComparison.OrdinalIgnoreCase) ||
            id.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase) ||
            IsOSeries(id) ? O200kBase
            : id.StartsWith("gpt-4", StringComparison.OrdinalIgnoreCase) ||
              id.StartsWith("gpt-3.5", StringComparison.OrdinalIgnoreCase) ||
              id.StartsWith("gpt-35", StringComparison.OrdinalIgnoreCase) ||
              id.StartsWith("text-embedding-ada-002", StringComparison.OrdinalIgnoreCase) ||
              id.StartsWith("text-embedding-3", StringComparison.OrdinalIgnoreCase) ? Cl100kBase
            : null;
        return encoding is not null;

        static bool IsOSeries(ReadOnlySpan<char> id) =>
            id.Length >= 2 && (id[0] is 'o' or 'O') && id[1] is '1' or '3' or '4' && (id.Length == 2 || id[2] == '-');
    }

    /// <inheritdoc />
    /// <remarks>Equal to the count of OpenAI's tiktoken <c>encode_ordinary</c> for the same text.</remarks>
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

    /// <summary>Finds how many characters from the start (or, with <paramref name="fromEnd"/>, from the end) fit in <paramref name="maxTokens"/> tokens, cut at a token boundary.</summary>
    internal int GetCharCountByTokenCount(ReadOnlySpan<char> text, int maxTokens, bool fromEnd)
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

    private static TiktokenTokenCounter Create(ref TiktokenTokenCounter? slot, string encoding, Regex preTokenizer)
    {
        var created = new TiktokenTokenCounter(encoding, preTokenizer);
        return Interlocked.CompareExchange(ref slot, created, null) ?? created;
    }

    // The pre-tokenization patterns of OpenAI's tiktoken (tiktoken_ext/openai_public.py).
    [GeneratedRegex(@"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex O200kBasePreTokenizer();

    [GeneratedRegex(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Cl100kBasePreTokenizer();
}
