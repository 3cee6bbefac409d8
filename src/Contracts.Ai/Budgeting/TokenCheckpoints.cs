using System;

namespace Contracts.Ai;

/// <summary>
/// Where a counted text's chunks start and how many tokens come before each, so a cut can be found by
/// scanning one chunk instead of the text again. Filled by <see cref="ITokenCutFinder.CountWithCheckpoints"/>.
/// </summary>
internal sealed class TokenCheckpoints
{
    private int[] _chars = new int[16];
    private int[] _tokens = new int[16];

    /// <summary>Gets the number of checkpoints.</summary>
    public int Count { get; private set; }

    /// <summary>Remembers that <paramref name="tokens"/> tokens come before the character index <paramref name="chars"/>, where a piece starts.</summary>
    public void Add(int chars, int tokens)
    {
        if (Count == _chars.Length)
        {
            Array.Resize(ref _chars, Count * 2);
            Array.Resize(ref _tokens, Count * 2);
        }

        _chars[Count] = chars;
        _tokens[Count] = tokens;
        Count++;
    }

    /// <summary>Finds the last checkpoint before which fewer than <paramref name="tokens"/> tokens come (the first one when none does).</summary>
    public void Find(int tokens, out int chars, out int tokensBefore)
    {
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

        chars = Count == 0 ? 0 : _chars[low];
        tokensBefore = Count == 0 ? 0 : _tokens[low];
    }
}
