namespace Contracts.Ai;

/// <summary>An input a prompt contract declares: a value the caller passes with <c>WithContract(id, inputs)</c>.</summary>
public sealed class ContractInput
{
    /// <summary>Gets the input's name, as used in <c>{{name}}</c> placeholders.</summary>
    public required string Name { get; init; }

    /// <summary>Gets or sets a value indicating whether the caller must pass this input.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Required { get; set; } = true;

    /// <summary>Gets or sets the JSON type the value must have: <c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, <c>object</c> or <c>array</c>.</summary>
    /// <value>Defaults to <c>string</c>.</value>
    public string Type { get; set; } = "string";

    /// <summary>Gets or sets the longest value accepted, in characters of its text form.</summary>
    /// <value>Defaults to <see langword="null"/>: no limit.</value>
    public int? MaxLength { get; set; }

    /// <summary>Gets or sets a regular expression the value's text form must match.</summary>
    /// <value>Defaults to <see langword="null"/>: no pattern.</value>
    public string? Pattern { get; set; }

    /// <summary>Gets or sets a description of the input, for prompt authors and tooling.</summary>
    public string? Description { get; set; }
}
