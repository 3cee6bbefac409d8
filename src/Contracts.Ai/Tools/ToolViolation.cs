using System;

namespace Contracts.Ai;

/// <summary>One way a tool call broke its contract: where, which rule, and what was wrong, never the offending value.</summary>
/// <param name="Path">Where, as a JSON path into the arguments or the output, such as <c>$.items[2].sku</c>; <c>$</c> for the whole document.</param>
/// <param name="Kind">
/// The rule that failed: a JSON Schema keyword such as <c>required</c>, <c>type</c> or <c>maximum</c>, or one of
/// <c>unknownArgument</c>, <c>notJson</c>, <c>unknownMember</c>, <c>missingMember</c>, <c>null</c>,
/// <c>duplicateKey</c>, <c>maxBytes</c>, <c>timeout</c>, <c>serialization</c>, <c>unsafe</c>.
/// </param>
/// <param name="Message">What was expected and what came, without the rejected payload.</param>
public sealed record ToolViolation(string Path, string Kind, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message} ({Kind})";

    internal static ToolViolation FromSchema(SchemaValidationError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new ToolViolation(error.Path, error.Keyword, error.Message);
    }
}
