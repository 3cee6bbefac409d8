using System;

namespace Contracts.Ai;

/// <summary>
/// Where a counted text's chunks start and how many tokens come before each, so a cut can be found by
/// scanning one chunk instead of the text again. Inside a piece merged window by window, the joins of its
/// windows are remembered too, so a cut inside a huge piece resumes the merge near the cut instead of at
/// the piece's start. Filled by <see cref="ITokenCutFinder.CountWithCheckpoints"/>.
/// </summary>
internal sealed class TokenCheckpoints
{
    private int[] _chars = new int[16];
    private int[] _tokens = new int[16];

    // For a join inside a piece: the window the merge resumes with, the byte (from the piece's start) where its next token starts,
    // and how many of the piece's tokens come before it; 0 tokens for a checkpoint where a chunk starts.
    private int[] _windows = new int[16];
    private int[] _nextBytes = new int[16];
    private int[] _pieceTokens = new int[16];

    // Every piece merged window by window: where it starts and ends (characters), the tokens before it and its own.
    private int[] _pieceStarts = new int[4];
    private int[] _pieceEnds = new int[4];
    private int[] _piecesBefore = new int[4];
    private int[] _pieceCounts = new int[4];
    private int _pieces;

    // Where each chunk starts (a character index where a piece starts whatever comes before or after) and the tokens before it.
    private int[] _chunkChars = new int[16];
    private int[] _chunkTokens = new int[16];
    private int _chunks;

    /// <summary>Gets the number of checkpoints.</summary>
    public int Count { get; private set; }

    /// <summary>Gets or sets the token count of the whole counted text.</summary>
    public int Total { get; set; }

    /// <summary>Remembers that a chunk starts at the character index <paramref name="chars"/>, after <paramref name="tokens"/> tokens (a checkpoint too).</summary>
    public void AddChunk(int chars, int tokens)
    {
        if (_chunks == _chunkChars.Length)
        {
            Array.Resize(ref _chunkChars, _chunks * 2);
            Array.Resize(ref _chunkTokens, _chunks * 2);
        }

        _chunkChars[_chunks] = chars;
        _chunkTokens[_chunks] = tokens;
        _chunks++;
        Add(chars, tokens);
    }

    /// <summary>
    /// Finds the last chunk start before the character index <paramref name="chars"/> (0 when none), and the tokens before it.
    /// </summary>
    public void FindChunkBefore(int chars, out int start, out int tokens)
    {
        // Chunk starts ascend strictly: the one before is just below where chars is or would be.
        int found = _chunkChars.AsSpan(0, _chunks).BinarySearch(chars);
        found = (found >= 0 ? found : ~found) - 1;
        start = found < 0 ? 0 : _chunkChars[found];
        tokens = found < 0 ? 0 : _chunkTokens[found];
    }

    /// <summary>
    /// Finds the first chunk start after the character index <paramref name="chars"/> and the tokens before it.
    /// </summary>
    /// <returns><see langword="false"/> when no chunk starts after it.</returns>
    public bool FindChunkAfter(int chars, out int start, out int tokens)
    {
        int found = _chunkChars.AsSpan(0, _chunks).BinarySearch(chars);
        found = found >= 0 ? found + 1 : ~found;
        bool exists = found < _chunks;
        start = exists ? _chunkChars[found] : 0;
        tokens = exists ? _chunkTokens[found] : 0;
        return exists;
    }

    /// <summary>Remembers that <paramref name="tokens"/> tokens come before the character index <paramref name="chars"/>, where a piece starts.</summary>
    public void Add(int chars, int tokens) => Add(chars, tokens, default);

    /// <summary>
    /// Remembers a join inside the piece that starts at the character index <paramref name="pieceChars"/>, after
    /// <paramref name="tokensBeforePiece"/> tokens: <paramref name="join"/> says where the piece's merge resumes.
    /// </summary>
    public void Add(int pieceChars, int tokensBeforePiece, WindowJoin join)
    {
        if (Count == _chars.Length)
        {
            int length = Count * 2;
            Array.Resize(ref _chars, length);
            Array.Resize(ref _tokens, length);
            Array.Resize(ref _windows, length);
            Array.Resize(ref _nextBytes, length);
            Array.Resize(ref _pieceTokens, length);
        }

        _chars[Count] = pieceChars;
        _tokens[Count] = tokensBeforePiece + join.Tokens;
        _windows[Count] = join.Window;
        _nextBytes[Count] = join.NextByte;
        _pieceTokens[Count] = join.Tokens;
        Count++;
    }

    /// <summary>Remembers a piece merged window by window: its characters <paramref name="start"/> to <paramref name="end"/>, after <paramref name="tokensBefore"/> tokens, make <paramref name="tokens"/> tokens.</summary>
    public void AddPiece(int start, int end, int tokensBefore, int tokens)
    {
        if (_pieces == _pieceStarts.Length)
        {
            int length = _pieces * 2;
            Array.Resize(ref _pieceStarts, length);
            Array.Resize(ref _pieceEnds, length);
            Array.Resize(ref _piecesBefore, length);
            Array.Resize(ref _pieceCounts, length);
        }

        _pieceStarts[_pieces] = start;
        _pieceEnds[_pieces] = end;
        _piecesBefore[_pieces] = tokensBefore;
        _pieceCounts[_pieces] = tokens;
        _pieces++;
    }

    /// <summary>
    /// Counts a piece of a spliced text (characters <paramref name="start"/> to <paramref name="end"/> of it) from a remembered
    /// piece, when it is one, or the part of one before the head cut or after the tail cut: a run of tokens cut from a merge at
    /// token boundaries merges into the same tokens, so the part's count is the difference of the counts before the cuts.
    /// </summary>
    /// <returns><see langword="false"/> when the piece is none of these, and must be merged.</returns>
    public bool TryCountSplicedPiece(int start, int end, TokenSplice splice, out int tokens)
    {
        if (end <= splice.HeadChars)
        {
            int k = FindPiece(start);
            if (k >= 0 && _pieceStarts[k] == start)
            {
                if (_pieceEnds[k] == end)
                {
                    tokens = _pieceCounts[k];
                    return true;
                }

                if (end == splice.HeadChars && _pieceEnds[k] > end)
                {
                    tokens = splice.HeadTokens - _piecesBefore[k];
                    return true;
                }
            }
        }
        else if (start >= splice.HeadChars + splice.MiddleChars)
        {
            int shift = splice.TailStart - (splice.HeadChars + splice.MiddleChars);
            int k = FindPiece(start + shift);
            if (k >= 0 && _pieceEnds[k] == end + shift)
            {
                if (_pieceStarts[k] == start + shift)
                {
                    tokens = _pieceCounts[k];
                    return true;
                }

                if (start + shift == splice.TailStart && splice.TailTokens >= 0)
                {
                    tokens = _piecesBefore[k] + _pieceCounts[k] - splice.TailTokens;
                    return true;
                }
            }
        }

        tokens = 0;
        return false;
    }

    /// <summary>
    /// Finds where the merge of a piece of a spliced text can resume: the piece starts at the character <paramref name="start"/>,
    /// where a remembered piece of the counted text starts, and both run past the head cut, the character <paramref name="headChars"/>;
    /// the spliced piece shares its first <paramref name="headBytes"/> bytes with that piece. The join found is the last one of the remembered piece whose window lies in those bytes,
    /// so the merge of the spliced piece from there makes the merges a merge from its start makes (up to that window, both
    /// pieces hold the same bytes).
    /// </summary>
    /// <returns><see langword="false"/> when no remembered piece starts there or none of its joins lies in the shared bytes.</returns>
    public bool TryFindHeadJoin(int start, int headChars, int headBytes, out WindowJoin join)
    {
        join = default;
        int k = FindPiece(start);
        if (k < 0 || _pieceStarts[k] != start || _pieceEnds[k] < headChars)
        {
            return false;
        }

        // The piece's joins were remembered one after another, after the tokens before it and before its last token.
        int before = _piecesBefore[k];
        int first = FirstAbove(before);
        int last = FirstAbove(before + _pieceCounts[k] - 1) - 1;
        int low = first, high = last, found = -1;
        while (low <= high)
        {
            int mid = (low + high) / 2;
            if (_windows[mid] * (BytePairMerge.WindowBytes - BytePairMerge.OverlapBytes) + BytePairMerge.WindowBytes <= headBytes)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        if (found < 0 || _chars[found] != start || _pieceTokens[found] == 0)
        {
            return false;
        }

        join = new WindowJoin(_windows[found], _nextBytes[found], _pieceTokens[found]);
        return true;
    }

    /// <summary>The first checkpoint before which more than <paramref name="tokens"/> tokens come (<see cref="Count"/> when none).</summary>
    private int FirstAbove(int tokens)
    {
        int low = 0, high = Count;
        while (low < high)
        {
            int mid = (low + high) / 2;
            if (_tokens[mid] <= tokens)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>The last remembered piece that starts at or before the character <paramref name="chars"/>, or -1.</summary>
    private int FindPiece(int chars)
    {
        int low = 0, high = _pieces - 1, found = -1;
        while (low <= high)
        {
            int mid = (low + high) / 2;
            if (_pieceStarts[mid] <= chars)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found;
    }

    /// <summary>
    /// Finds the last checkpoint before which fewer than <paramref name="tokens"/> tokens come (the first one when none does):
    /// the character index where its chunk or piece starts, the tokens before that index, and, for a join inside a piece,
    /// where the piece's merge resumes (<see cref="WindowJoin.Tokens"/> 0 otherwise).
    /// </summary>
    public void Find(int tokens, out int chars, out int tokensBefore, out WindowJoin join)
    {
        if (Count == 0)
        {
            chars = 0;
            tokensBefore = 0;
            join = default;
            return;
        }

        int low = 0, high = Count - 1;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            if (_tokens[mid] < tokens)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        chars = _chars[low];
        tokensBefore = _tokens[low] - _pieceTokens[low];
        join = new WindowJoin(_windows[low], _nextBytes[low], _pieceTokens[low]);
    }
}
