namespace Contracts.Ai;

/// <summary>One piece of personal data or a secret found in a text.</summary>
/// <param name="EntityType">The entity type, named as Presidio names it (<see cref="PiiEntityTypes"/>), such as <c>EMAIL_ADDRESS</c>.</param>
/// <param name="Start">The index of the first character of the match.</param>
/// <param name="Length">The number of characters of the match.</param>
public sealed record PiiMatch(string EntityType, int Start, int Length)
{
    /// <summary>Gets the index just past the last character of the match.</summary>
    public int End => Start + Length;
}
