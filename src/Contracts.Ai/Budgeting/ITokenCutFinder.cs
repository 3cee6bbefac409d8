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

    /// <summary>
    /// Counts the tokens of <paramref name="spliced"/> (exactly as <see cref="ITokenCounter.CountTokens"/>): a text counted by
    /// <see cref="CountWithCheckpoints"/> with a middle part replaced, as <paramref name="splice"/> says. A piece that a cut
    /// split is counted from what the count of the whole text learned, not merged again.
    /// </summary>
    int CountSpliced(ReadOnlySpan<char> spliced, TokenCheckpoints checkpoints, TokenSplice splice);
}

/// <summary>
/// How a spliced text is made from a counted one: its first <see cref="HeadChars"/> characters, a cut found by
/// <see cref="ITokenCutFinder.FindCut"/> after <see cref="HeadTokens"/> tokens; then <see cref="MiddleChars"/> other characters;
/// then the counted text from <see cref="TailStart"/>, a cut after <see cref="TailTokens"/> tokens (-1 when not known).
/// </summary>
internal readonly record struct TokenSplice(int HeadChars, int HeadTokens, int MiddleChars, int TailStart, int TailTokens);
