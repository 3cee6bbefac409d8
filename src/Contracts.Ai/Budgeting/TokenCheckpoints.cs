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

    /// <summary>Gets the number of checkpoints.</summary>
    public int Count { get; private set; }

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
