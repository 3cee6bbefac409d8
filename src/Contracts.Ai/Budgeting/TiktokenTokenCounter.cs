using System;
using System.Buffers;
using System.Text.Unicode;

namespace Contracts.Ai;

/// <summary>
/// Exact token counts for OpenAI models: the number of tokens OpenAI's tiktoken produces for the
/// encodings <c>o200k_base</c> and <c>cl100k_base</c>, computed without building the tokens.
/// </summary>
/// <remarks>
/// <para>
/// One instance exists per encoding per process: <see cref="ForModel"/> and <see cref="ForEncoding"/>
/// return the shared instance, created (and its vocabulary loaded from the Microsoft.ML.Tokenizers data
/// package) on first use. Instances are thread-safe.
/// </para>
/// <para>
/// Text is split the way the encoding's pattern splits it, each piece is looked up whole, and pieces
/// that are not one token are merged by rank, as tiktoken does, counting parts instead of building ids;
/// the counts of recurring pieces are kept in a bounded cache per encoding. Counts equal tiktoken's
/// <c>encode_ordinary</c>, including for letters outside the Basic Multilingual Plane, and a lone
/// surrogate counts as U+FFFD, as tiktoken sees it. <see cref="MlTokenizersTokenCounter"/> computes the
/// same counts with Microsoft.ML.Tokenizers, several times slower.
/// </para>
/// <para>
/// Text is counted as plain text, as the chat APIs treat message content: a special-token marker such
/// as <c>&lt;|endoftext|&gt;</c> inside a message is counted by its characters, not as one special token.
/// </para>
/// </remarks>
public sealed class TiktokenTokenCounter : ITokenCounter, ITokenCutFinder
{
    /// <summary>The name of the encoding of GPT-4o, GPT-4.1, GPT-5 and the o-series reasoning models: <c>o200k_base</c>.</summary>
    public const string O200kBase = "o200k_base";

    /// <summary>The name of the encoding of GPT-4, GPT-3.5 Turbo and the text-embedding-3 models: <c>cl100k_base</c>.</summary>
    public const string Cl100kBase = "cl100k_base";

    // Text is converted to UTF-8 and split in chunks of about this many characters, cut where a piece must start.
    private const int ChunkChars = 8192;
    private const int StackChars = 512;

    // Inside a chunk longer than this many bytes (text with no place where a piece must start, such as base64 or a minified
    // blob), a checkpoint is also remembered at the first piece start past each such stretch: the pre-tokenizer's patterns look
    // at no byte before the piece they match, so scanning from any piece start finds the same pieces as from the chunk's start.
    private const int CheckpointBytes = 8192;

    // A cut moves at most three tokens to reach a character's first byte (a character has at most four bytes).
    private const int CutReach = 4;

    // One text adds at most this many new pieces to the piece cache (a quarter of its slots), so a huge one-off text
    // (a dump of random identifiers, a long CJK document) neither churns the whole cache on every count nor evicts the
    // recurring pieces of the conversation; its other new pieces are merged without being remembered.
    private const int NewPiecesPerText = 8192;

    // Created once per process on first use; the vocabulary is loaded exactly once even when first uses race.
    private static readonly Lazy<TiktokenTokenCounter> s_o200kBase = new(() => new TiktokenTokenCounter(O200kBase));
    private static readonly Lazy<TiktokenTokenCounter> s_cl100kBase = new(() => new TiktokenTokenCounter(Cl100kBase));

    private readonly TiktokenVocabulary _vocabulary;
    private readonly TokenPieceCache _pieces = new();
    private readonly bool _o200k;

    private TiktokenTokenCounter(string encoding)
    {
        Encoding = encoding;
        _o200k = encoding == O200kBase;
        _vocabulary = TiktokenVocabulary.Load(encoding);
    }

    /// <inheritdoc />
    public string Encoding { get; }

    /// <summary>Gets the encoding's vocabulary.</summary>
    internal TiktokenVocabulary Vocabulary => _vocabulary;

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
            return s_o200kBase.Value;
        }

        if (string.Equals(encoding, Cl100kBase, StringComparison.OrdinalIgnoreCase))
        {
            return s_cl100kBase.Value;
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
    /// <remarks>Equal to the count of OpenAI's tiktoken <c>encode_ordinary</c> for the same text. Linear in the length of the text.</remarks>
    public int CountTokens(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        if (text.Length <= StackChars)
        {
            Span<byte> utf8 = stackalloc byte[StackChars * 3];
            int newPieces = StackChars;
            return CountUtf8(utf8[..ToUtf8(text, utf8)], ref newPieces);
        }

        return CountChunks(text, null);
    }

    /// <inheritdoc />
    int ITokenBoundaryFinder.GetCharCountByTokenCount(ReadOnlySpan<char> text, int maxTokens, bool fromEnd)
    {
        if (maxTokens <= 0 || text.IsEmpty)
        {
            return 0;
        }

        if (!fromEnd)
        {
            return CharsAfterTokens(text, 0, 0, default, maxTokens, roundUp: false, out _);
        }

        // The tail keeps the last tokens of the whole text: skip the others from the start.
        var checkpoints = new TokenCheckpoints();
        int total = CountWithCheckpoints(text, checkpoints);
        return total <= maxTokens ? text.Length : text.Length - FindCut(text, checkpoints, total - maxTokens, roundUp: true, out _);
    }

    /// <inheritdoc />
    int ITokenCutFinder.CountWithCheckpoints(ReadOnlySpan<char> text, TokenCheckpoints checkpoints) => CountWithCheckpoints(text, checkpoints);

    /// <inheritdoc />
    int ITokenCutFinder.FindCut(ReadOnlySpan<char> text, TokenCheckpoints checkpoints, int tokens, bool roundUp, out int tokensBefore) =>
        FindCut(text, checkpoints, tokens, roundUp, out tokensBefore);

    /// <inheritdoc />
    int ITokenCutFinder.CountSpliced(ReadOnlySpan<char> spliced, TokenCheckpoints checkpoints, TokenSplice splice)
    {
        if (spliced.IsEmpty)
        {
            return 0;
        }

        // A chunk starts where a piece starts whatever comes before or after, so the text splits there into parts counted apart.
        // The head up to the last chunk start before the head cut (both characters around it kept), and the tail from the first
        // chunk start after the tail's first character, are the whole text's: their counts are known. Only the junction between is counted.
        checkpoints.FindChunkBefore(splice.HeadChars, out int junctionStart, out int headTokens);
        int shift = splice.TailStart - (splice.HeadChars + splice.MiddleChars);
        int junctionEnd = spliced.Length;
        int tailTokens = 0;
        if (checkpoints.FindChunkAfter(splice.TailStart, out int tailChunk, out int tokensBeforeTail))
        {
            junctionEnd = tailChunk - shift;
            tailTokens = checkpoints.Total - tokensBeforeTail;
        }

        return headTokens + CountChunks(spliced[junctionStart..junctionEnd], null, checkpoints, splice, junctionStart) + tailTokens;
    }

    private int CountWithCheckpoints(ReadOnlySpan<char> text, TokenCheckpoints checkpoints)
    {
        int total = CountChunks(text, checkpoints);
        checkpoints.Total = total;
        return total;
    }

    /// <summary>
    /// Counts the text chunk by chunk, remembering where each chunk starts when <paramref name="checkpoints"/> is given; when
    /// <paramref name="known"/> is given, the text is a splice of the text those checkpoints were taken on, and its long pieces
    /// are counted from them where they can be.
    /// </summary>
    private int CountChunks(ReadOnlySpan<char> text, TokenCheckpoints? checkpoints, TokenCheckpoints? known = null, TokenSplice splice = default, int offset = 0)
    {
        int count = 0;
        int newPieces = NewPiecesPerText;
        WindowJoins? joins = null;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(text.Length, 1), ChunkChars) * 3);
        try
        {
            for (int start = 0; start < text.Length;)
            {
                int end = ChunkEnd(text, start);
                ReadOnlySpan<char> chunk = text[start..end];
                EnsureCapacity(ref buffer, chunk.Length * 3);
                ReadOnlySpan<byte> utf8 = buffer.AsSpan(0, ToUtf8(chunk, buffer));
                if (checkpoints is null && known is null)
                {
                    count += CountUtf8(utf8, ref newPieces);
                }
                else
                {
                    checkpoints?.AddChunk(start, count);
                    count += CountUtf8(utf8, checkpoints, known, splice, start + offset, count, ref joins, ref newPieces);
                }

                start = end;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return count;
    }

    private int FindCut(ReadOnlySpan<char> text, TokenCheckpoints checkpoints, int tokens, bool roundUp, out int tokensBefore)
    {
        if (tokens <= 0)
        {
            tokensBefore = 0;
            return 0;
        }

        // A checkpoint at least CutReach tokens before the cut, so that a cut moved back to a character's start stays after it.
        checkpoints.Find(tokens - CutReach, out int start, out int seen, out WindowJoin join);
        return CharsAfterTokens(text, start, seen, join, tokens, roundUp, out tokensBefore);
    }

    /// <summary>
    /// Counts a chunk's tokens, remembering every piece longer than a window and the joins of its windows in
    /// <paramref name="checkpoints"/>, or counting such a piece from <paramref name="known"/> when it can be.
    /// </summary>
    private int CountUtf8(
        ReadOnlySpan<byte> text, TokenCheckpoints? checkpoints, TokenCheckpoints? known, TokenSplice splice, int chunkChars, int tokensBefore, ref WindowJoins? joins, ref int newPieces)
    {
        int count = 0;
        int countedBytes = 0;
        int countedChars = chunkChars;
        int checkpointByte = 0;
        for (int i = 0; i < text.Length;)
        {
            if (checkpoints is not null && i - checkpointByte >= CheckpointBytes)
            {
                countedChars += CharCount(text[countedBytes..i]);
                countedBytes = i;
                checkpointByte = i;
                checkpoints.Add(countedChars, tokensBefore + count);
            }

            int end = _o200k ? TiktokenPreTokenizer.NextO200k(text, i) : TiktokenPreTokenizer.NextCl100k(text, i);
            ReadOnlySpan<byte> piece = text[i..end];
            if (piece.Length <= BytePairMerge.WindowBytes)
            {
                count += CountPiece(piece, ref newPieces);
            }
            else
            {
                // The piece's start and end as character indexes, found by counting on from the last long piece (linear over the chunk).
                countedChars += CharCount(text[countedBytes..i]);
                int pieceEnd = countedChars + CharCount(piece);
                int tokens;
                if (known is not null && countedChars < splice.HeadChars && pieceEnd > splice.HeadChars &&
                    known.TryFindHeadJoin(countedChars, splice.HeadChars, SharedHeadBytes(piece, splice.HeadChars - countedChars), out WindowJoin join))
                {
                    // A long piece of the head that the middle extends (spaces before the marker's line feed): merged again from
                    // the remembered join nearest the head cut, not from its start.
                    tokens = BytePairMerge.CountFrom(_vocabulary, piece, join);
                }
                else if (known is null || !known.TryCountSplicedPiece(countedChars, pieceEnd, splice, out tokens))
                {
                    joins ??= new WindowJoins();
                    tokens = BytePairMerge.CountWindowed(_vocabulary, piece, joins);
                    if (checkpoints is not null)
                    {
                        for (int k = 0; k < joins.Count; k++)
                        {
                            checkpoints.Add(countedChars, tokensBefore + count, joins[k]);
                        }

                        checkpoints.AddPiece(countedChars, pieceEnd, tokensBefore + count, tokens);
                    }
                }

                countedChars = pieceEnd;
                countedBytes = end;
                count += tokens;
            }

            i = end;
        }

        return count;
    }

    private int CountUtf8(ReadOnlySpan<byte> text, ref int newPieces)
    {
        int count = 0;
        for (int i = 0; i < text.Length;)
        {
            int end = _o200k ? TiktokenPreTokenizer.NextO200k(text, i) : TiktokenPreTokenizer.NextCl100k(text, i);
            count += CountPiece(text[i..end], ref newPieces);
            i = end;
        }

        return count;
    }

    /// <summary>Counts a piece's tokens, remembering a count merged anew while <paramref name="newPieces"/> allows (one less each time).</summary>
    private int CountPiece(ReadOnlySpan<byte> piece, ref int newPieces)
    {
        int length = piece.Length;
        if (length <= 8)
        {
            if (_vocabulary.GetShortRank(TiktokenVocabulary.Pack(piece), length) != TiktokenVocabulary.NotAToken)
            {
                return 1;
            }
        }
        else if (_vocabulary.GetLongRank(piece) != TiktokenVocabulary.NotAToken)
        {
            return 1;
        }

        if (length > TokenPieceCache.MaxPieceBytes)
        {
            return BytePairMerge.Count(_vocabulary, piece);
        }

        TokenPieceCache.Key key = TokenPieceCache.KeyOf(piece);
        if (!_pieces.TryGet(piece, in key, out int tokens))
        {
            tokens = BytePairMerge.Count(_vocabulary, piece);
            if (newPieces > 0)
            {
                newPieces--;
                _pieces.Add(piece, in key, tokens);
            }
        }

        return tokens;
    }

    /// <summary>
    /// The character index where the first <paramref name="tokens"/> tokens of the text end; when that is inside a character,
    /// the token boundary before it (or, with <paramref name="roundUp"/>, after it). Scans from <paramref name="startChar"/>,
    /// a chunk start before which <paramref name="seen"/> tokens come.
    /// </summary>
    /// <remarks>When <paramref name="join"/> is a join inside the piece that starts at <paramref name="startChar"/>, that piece's merge resumes there.</remarks>
    private int CharsAfterTokens(ReadOnlySpan<char> text, int startChar, int seen, WindowJoin join, int tokens, bool roundUp, out int tokensBefore)
    {
        int newPieces = NewPiecesPerText;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(text.Length - startChar, 1), ChunkChars) * 3);
        try
        {
            for (int start = startChar; start < text.Length;)
            {
                int end = ChunkEnd(text, start);
                ReadOnlySpan<char> chunk = text[start..end];
                EnsureCapacity(ref buffer, chunk.Length * 3);
                ReadOnlySpan<byte> utf8 = buffer.AsSpan(0, ToUtf8(chunk, buffer));
                for (int i = 0; i < utf8.Length;)
                {
                    int pieceEnd = _o200k ? TiktokenPreTokenizer.NextO200k(utf8, i) : TiktokenPreTokenizer.NextCl100k(utf8, i);
                    ReadOnlySpan<byte> piece = utf8[i..pieceEnd];
                    if (piece.Length > BytePairMerge.WindowBytes)
                    {
                        // A long piece is walked only as far as the cut, and merged once.
                        int inPiece = CutInPiece(piece, tokens - seen, roundUp, i == 0 && start == startChar ? join : default, out int tokensInPiece, out bool wholePiece);
                        if (!wholePiece)
                        {
                            tokensBefore = seen + tokensInPiece;
                            return start + CharCount(utf8[..(i + inPiece)]);
                        }

                        seen += tokensInPiece;
                        if (seen == tokens)
                        {
                            tokensBefore = tokens;
                            return start + CharCount(utf8[..pieceEnd]);
                        }

                        i = pieceEnd;
                        continue;
                    }

                    int count = CountPiece(piece, ref newPieces);
                    if (seen + count >= tokens)
                    {
                        if (seen + count == tokens)
                        {
                            tokensBefore = tokens;
                            return start + CharCount(utf8[..pieceEnd]);
                        }

                        int cut = i + CutInPiece(piece, tokens - seen, roundUp, default, out int j, out _);
                        tokensBefore = seen + j;
                        return start + CharCount(utf8[..cut]);
                    }

                    seen += count;
                    i = pieceEnd;
                }

                start = end;
            }

            tokensBefore = seen;
            return text.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The byte offset in <paramref name="piece"/> after its first <paramref name="tokens"/> tokens, moved to the nearest token
    /// boundary that starts a character; <paramref name="tokensBefore"/> is the number of tokens before it. When the piece
    /// has no more than <paramref name="tokens"/> tokens, <paramref name="wholePiece"/> is set, the offset is the piece's length
    /// and <paramref name="tokensBefore"/> its count.
    /// </summary>
    private int CutInPiece(ReadOnlySpan<byte> piece, int tokens, bool roundUp, WindowJoin join, out int tokensBefore, out bool wholePiece)
    {
        const int Reach = CutReach;
        int first = Math.Max(0, tokens - Reach);
        Span<int> starts = stackalloc int[(2 * Reach) + 2];
        int count = BytePairMerge.SplitPart(_vocabulary, piece, starts, first, tokens + Reach, join);
        if (count <= tokens)
        {
            wholePiece = true;
            tokensBefore = count;
            return piece.Length;
        }

        wholePiece = false;
        int j = tokens;
        while (j > 0 && j < count && (piece[starts[j - first]] & 0xC0) == 0x80)
        {
            j += roundUp ? 1 : -1;
        }

        tokensBefore = j;
        return j == count ? piece.Length : starts[j - first];
    }

    /// <summary>How many UTF-16 characters the UTF-8 bytes encode (a lone surrogate became one 3-byte U+FFFD, so it still counts one).</summary>
    private static int CharCount(ReadOnlySpan<byte> utf8)
    {
        int chars = 0;
        foreach (byte b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                chars += b >= 0xF0 ? 2 : 1;
            }
        }

        return chars;
    }

    /// <summary>
    /// How many of the first bytes of <paramref name="utf8"/> (a piece of a spliced text) are the UTF-8 of its first
    /// <paramref name="chars"/> characters in the counted text too: the bytes of the whole characters before that index, less
    /// one character's bytes, in case the cut left half a surrogate pair (U+FFFD in one text, not in the other).
    /// </summary>
    private static int SharedHeadBytes(ReadOnlySpan<byte> utf8, int chars)
    {
        int seen = 0;
        int i = 0;
        while (i < utf8.Length)
        {
            int width = utf8[i] < 0x80 ? 1 : utf8[i] < 0xE0 ? 2 : utf8[i] < 0xF0 ? 3 : 4;
            seen += width == 4 ? 2 : 1;
            if (seen > chars)
            {
                break;
            }

            i += width;
        }

        return Math.Max(0, i - 4);
    }

    private static int ToUtf8(ReadOnlySpan<char> text, Span<byte> utf8)
    {
        // Lone surrogates become U+FFFD, as tiktoken receives them.
        Utf8.FromUtf16(text, utf8, out _, out int written, replaceInvalidSequences: true);
        return written;
    }

    private static void EnsureCapacity(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(length);
        }
    }

    /// <summary>Where the chunk that starts at <paramref name="start"/> ends: about <see cref="ChunkChars"/> later, at a position where a piece starts whatever follows.</summary>
    private static int ChunkEnd(ReadOnlySpan<char> text, int start)
    {
        if (text.Length - start <= ChunkChars)
        {
            return text.Length;
        }

        int limit = start + ChunkChars;
        for (int p = limit; p > start + (ChunkChars / 2); p--)
        {
            if (StartsPiece(text, p))
            {
                return p;
            }
        }

        for (int p = limit + 1; p < text.Length; p++)
        {
            if (StartsPiece(text, p))
            {
                return p;
            }
        }

        return text.Length;

        // A space or a digit after a letter, or anything but white space or '/' after a line feed, always starts a piece: no
        // alternative of either pattern runs from a letter into a space or a digit, or from a line feed into such a character,
        // and none that ends at the letter or the line feed reads past the next character. Base64 has no white space, but
        // a digit after a letter every few characters.
        static bool StartsPiece(ReadOnlySpan<char> text, int p) =>
            ((text[p] == ' ' || char.IsAsciiDigit(text[p])) && char.IsAsciiLetter(text[p - 1])) ||
            (text[p - 1] == '\n' && text[p] != '/' && !char.IsWhiteSpace(text[p]));
    }
}
