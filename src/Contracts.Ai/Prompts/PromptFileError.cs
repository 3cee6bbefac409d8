using System;
using System.Globalization;

namespace Contracts.Ai;

/// <summary>A problem found in a prompt file: where it is (file, line, column, field) and what is wrong.</summary>
/// <param name="File">The file's path, or the embedded resource's name.</param>
/// <param name="Line">The 1-based line in the file.</param>
/// <param name="Column">The 1-based column in the file.</param>
/// <param name="Field">The front-matter field the problem is in (for example <c>inputs.question.max_length</c>), or <c>template</c>.</param>
/// <param name="Message">What is wrong and what was expected. Never contains input values or secrets found in the file.</param>
public sealed record PromptFileError(string File, int Line, int Column, string Field, string Message)
{
    /// <summary>Gets the kind of problem, a stable code such as <c>version-invalid</c>, <c>placeholder-undeclared</c> or <c>schema-invalid</c>, for tools that filter or count problems.</summary>
    /// <value>Defaults to <c>field-invalid</c>.</value>
    public string Code { get; init; } = "field-invalid";

    /// <summary>Returns the problem as <c>file:line:column: field: message</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {Field}: {Message}");

    internal static int CompareByPosition(PromptFileError? left, PromptFileError? right)
    {
        if (ReferenceEquals(left, right)) { return 0; }
        if (left is null) { return -1; }
        if (right is null) { return 1; }
        int result = string.CompareOrdinal(left.File, right.File);
        if (result == 0) { result = left.Line.CompareTo(right.Line); }
        if (result == 0) { result = left.Column.CompareTo(right.Column); }
        return result != 0 ? result : string.Compare(left.Field, right.Field, StringComparison.Ordinal);
    }
}
