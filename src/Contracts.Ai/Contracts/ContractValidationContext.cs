using System;
using System.Collections.Generic;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>The answer an <see cref="IContractValidator"/> checks, and where it reports errors.</summary>
/// <remarks>Valid only during <see cref="IContractValidator.ValidateAsync"/>: do not keep it, or <see cref="Output"/>, afterwards.</remarks>
public sealed class ContractValidationContext
{
    private List<string>? _errors;

    internal ContractValidationContext(PromptContract contract, ChatResponse response, string text, JsonElement? output, object? value)
    {
        Contract = contract;
        Response = response;
        Text = text;
        Output = output;
        Value = value;
    }

    /// <summary>Gets the contract the answer is checked against.</summary>
    public PromptContract Contract { get; }

    /// <summary>Gets the model's response.</summary>
    public ChatResponse Response { get; }

    /// <summary>Gets the answer's text; for a contract with an output schema, the JSON extracted from it.</summary>
    public string Text { get; }

    /// <summary>Gets the answer parsed as JSON, when the contract has an output schema; otherwise <see langword="null"/>.</summary>
    public JsonElement? Output { get; }

    /// <summary>Gets the answer parsed into <see cref="PromptContract.OutputType"/>, when the contract has one; otherwise <see langword="null"/>.</summary>
    public object? Value { get; }

    /// <summary>Gets the errors reported so far.</summary>
    public IReadOnlyList<string> Errors => (IReadOnlyList<string>?)_errors ?? Array.Empty<string>();

    /// <summary>Reports a problem with the answer.</summary>
    /// <param name="message">What is wrong and where (for example a JSON path), without sensitive data.</param>
    /// <exception cref="ArgumentException"><paramref name="message"/> is null, empty or white space.</exception>
    public void AddError(string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        (_errors ??= new List<string>()).Add(message);
    }
}
