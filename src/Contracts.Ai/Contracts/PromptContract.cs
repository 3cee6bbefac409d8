using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// A versioned prompt contract: the system prompt template, the inputs it declares, the shape the
/// answer must have, the tools it may use, and what happens when the model breaks it.
/// </summary>
/// <remarks>A contract is immutable once registered; register a new version to change it.</remarks>
public sealed class PromptContract
{
    /// <summary>Gets the contract's id, stable across versions (for example <c>support.triage</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the contract's version, a semantic version such as <c>1.2.0</c>.</summary>
    public required string Version { get; init; }

    /// <summary>Gets or sets the system prompt, with <c>{{name}}</c> placeholders for the declared inputs.</summary>
    public string? Template { get; set; }

    /// <summary>Gets or sets a description of what the contract is for.</summary>
    public string? Description { get; set; }

    /// <summary>Gets the inputs the contract declares.</summary>
    public IList<ContractInput> Inputs { get; init; } = new List<ContractInput>();

    /// <summary>Gets or sets the JSON Schema the model's answer must satisfy.</summary>
    /// <value>Defaults to <see langword="null"/>: the answer is free text.</value>
    public JsonElement? OutputSchema { get; set; }

    /// <summary>Gets or sets the tools the contract may use, by name.</summary>
    /// <value>Defaults to <see langword="null"/>: every tool the caller passes.</value>
    public IList<string>? AllowedTools { get; set; }

    /// <summary>Gets or sets what happens when the answer fails validation.</summary>
    /// <value>Defaults to <see cref="ContractFailurePolicy.Throw"/>.</value>
    public ContractFailurePolicy OnFailure { get; set; } = ContractFailurePolicy.Throw;

    /// <summary>Gets or sets how many times the model is asked again under <see cref="ContractFailurePolicy.Reask"/>.</summary>
    /// <value>Defaults to 2.</value>
    public int MaxReasks { get; set; } = 2;

    /// <summary>Gets or sets the answer returned under <see cref="ContractFailurePolicy.Fallback"/>.</summary>
    public string? FallbackResponse { get; set; }

    /// <summary>Gets free-form tags, such as <c>domain</c>, <c>purpose</c> and <c>risk</c>.</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the team or person who owns the contract.</summary>
    public string? Owner { get; set; }

    /// <summary>Gets or sets the most tokens the rendered prompt and conversation may take.</summary>
    public int? MaxInputTokens { get; set; }

    /// <summary>Gets or sets the most tokens the model may answer with.</summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Gets or sets the date after which the version is deprecated; it still resolves, with a warning.</summary>
    public DateTimeOffset? DeprecatedAfter { get; set; }

    /// <summary>Gets or sets the version that replaces this one.</summary>
    public string? ReplacedBy { get; set; }
}
