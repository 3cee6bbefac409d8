using System;

namespace Contracts.Ai;

/// <summary>A counter that counts a text once and then finds cuts in it near remembered checkpoints, so truncating a huge text stays linear.</summary>
internal interface ITokenCutFinder : ITokenBoundaryFinder
{
    /// <summary>Counts the tokens of <paramref name="text"/> (as <see cref="ITokenCounter.CountTokens"/>) and remembers checkpoints for <see cref="FindCut"/>.</summary>
    int CountWithCheckpoints(ReadOnlySpan<char> text, TokenCheckpoints checkpoints);

    /// <summary>
    /// Finds the character index where the first <paramref name="tokens"/> tokens of <paramref name="text"/> end; when that
    /// is inside a character, the token boundary before it (or, with <paramref name="roundUp"/>, after it).
    /// </summary>
    /// <param name="text">The text counted by <see cref="CountWithCheckpoints"/>.</param>
    /// <param name="checkpoints">Its checkpoints.</param>
    /// <param name="tokens">How many tokens come before the cut.</param>
    /// <param name="roundUp">Move a cut inside a character forward instead of back.</param>
    /// <param name="tokensBefore">How many of the text's tokens come before the returned index.</param>
    int FindCut(ReadOnlySpan<char> text, TokenCheckpoints checkpoints, int tokens, bool roundUp, out int tokensBefore);
}
