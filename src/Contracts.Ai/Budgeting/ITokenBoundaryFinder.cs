using System;

namespace Contracts.Ai;

/// <summary>A counter that can find token boundaries itself, so truncation cuts text in one pass instead of searching with counts.</summary>
internal interface ITokenBoundaryFinder
{
    /// <summary>Finds how many characters from the start (or, with <paramref name="fromEnd"/>, from the end) of <paramref name="text"/> hold at most <paramref name="maxTokens"/> tokens, cut at a token boundary that does not split a character.</summary>
    int GetCharCountByTokenCount(ReadOnlySpan<char> text, int maxTokens, bool fromEnd);

}
