using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>An input a prompt contract declares: a value the caller passes with <c>WithContract(id, inputs)</c>.</summary>
/// <remarks>Immutable once its contract is registered or used: setting a property then throws <see cref="InvalidOperationException"/>.</remarks>
public sealed class ContractInput
{
    private bool _required = true;
    private string _type = ContractInputTypes.String;
    private int? _maxLength;
    private string? _pattern;
    private string? _description;
    private volatile bool _frozen;

    /// <summary>Gets the input's name, as used in <c>{{name}}</c> placeholders: letters, digits, <c>_</c>, <c>-</c> and <c>.</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets or sets a value indicating whether the caller must pass this input (a <see langword="null"/> value counts as missing).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Required { get => _required; set => Set(ref _required, value); }

    /// <summary>Gets or sets the JSON type the value must have: <c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, <c>object</c> or <c>array</c>.</summary>
    /// <value>Defaults to <c>string</c>.</value>
    /// <remarks>
    /// CLR values map as JSON does: strings, chars, enums, <see cref="Guid"/>, <see cref="Uri"/> and dates are <c>string</c>;
    /// integral numbers are <c>integer</c> (and also <c>number</c>); other numbers are <c>number</c> (and <c>integer</c> when whole).
    /// </remarks>
    public string Type { get => _type; set => Set(ref _type, value); }

    /// <summary>Gets or sets the longest value accepted, in characters of its text form (the text inserted into the template).</summary>
    /// <value>Defaults to <see langword="null"/>: no limit.</value>
    public int? MaxLength { get => _maxLength; set => Set(ref _maxLength, value); }

    /// <summary>Gets or sets a regular expression (.NET syntax) the value's text form must match somewhere; anchor it with <c>^</c> and <c>$</c> to match the whole value.</summary>
    /// <value>Defaults to <see langword="null"/>: no pattern.</value>
    public string? Pattern { get => _pattern; set => Set(ref _pattern, value); }

    /// <summary>Gets or sets a description of the input, for prompt authors and tooling.</summary>
    public string? Description { get => _description; set => Set(ref _description, value); }

    internal void Freeze() => _frozen = true;

    internal void Validate(int index, List<string> problems)
    {
        if (Name is null || !PromptTemplate.IsValidName(Name))
        {
            problems.Add($"Inputs[{index}] name '{Name}' is not valid: use letters, digits, '_', '-' and '.'");
        }

        if (!ContractInputTypes.IsKnown(_type))
        {
            problems.Add($"input '{Name}' has type '{_type}'; expected string, number, integer, boolean, object or array");
        }

        if (_maxLength is < 0)
        {
            problems.Add($"input '{Name}' MaxLength must be 0 or more, was {_maxLength}");
        }

        if (_pattern is not null)
        {
            try
            {
                _ = new Regex(_pattern, RegexOptions.CultureInvariant, ContractInputTypes.PatternTimeout);
            }
            catch (ArgumentException)
            {
                problems.Add($"input '{Name}' Pattern is not a valid regular expression");
            }
        }
    }

    internal bool HasSameDefinition(ContractInput other) =>
        string.Equals(Name, other.Name, StringComparison.Ordinal) &&
        _required == other._required &&
        string.Equals(_type, other._type, StringComparison.Ordinal) &&
        _maxLength == other._maxLength &&
        string.Equals(_pattern, other._pattern, StringComparison.Ordinal) &&
        string.Equals(_description, other._description, StringComparison.Ordinal);

    private void Set<T>(ref T field, T value)
    {
        if (_frozen)
        {
            throw new InvalidOperationException($"Input '{Name}' belongs to a registered or used contract and cannot change; register a new contract version instead.");
        }

        field = value;
    }
}
