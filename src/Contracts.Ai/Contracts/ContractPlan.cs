using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>What enforcing a frozen contract needs, computed once per contract version: compiled schema, input rules, parsed template, allow-list and response format.</summary>
internal sealed class ContractPlan
{
    private int _deprecationLogged;

    /// <param name="contract">The frozen contract.</param>
    /// <param name="schema">Its output schema, compiled once when the contract was checked.</param>
    public ContractPlan(PromptContract contract, CompiledJsonSchema? schema)
    {
        Contract = contract;
        var inputs = new Dictionary<string, InputRule>(contract.Inputs.Count, StringComparer.Ordinal);
        var list = new InputRule[contract.Inputs.Count];
        for (int i = 0; i < list.Length; i++)
        {
            ContractInput input = contract.Inputs[i];
            Regex? pattern = input.Pattern is null ? null : new Regex(input.Pattern, RegexOptions.CultureInvariant, ContractInputTypes.PatternTimeout);
            list[i] = new InputRule(input, pattern, i);
            inputs.Add(input.Name, list[i]);
        }

        Inputs = inputs;
        InputList = list;
        HasValidators = contract.Validators.Count > 0;
        if (contract.Template is not null)
        {
            Template = PromptTemplate.Parse(contract.Template);
            IReadOnlyList<string> placeholders = Template.Placeholders;
            PlaceholderInputs = new int[placeholders.Count];
            for (int i = 0; i < placeholders.Count; i++)
            {
                PlaceholderInputs[i] = inputs.TryGetValue(placeholders[i], out InputRule? rule) ? rule.Index : -1;
            }
        }
        if (contract.AllowedTools is not null)
        {
            AllowedTools = new HashSet<string>(contract.AllowedTools, StringComparer.Ordinal);
        }

        // The rule: ContractRisk.High, or a risk tag of "high" or "critical" (a prompt file's risk level), puts every tool behind approval.
        RequiresToolApproval = contract.Risk == ContractRisk.High ||
            (contract.Tags.TryGetValue("risk", out string? risk) &&
                (string.Equals(risk, "high", StringComparison.OrdinalIgnoreCase) || string.Equals(risk, "critical", StringComparison.OrdinalIgnoreCase)));

        if (contract.OutputSchema is JsonElement json)
        {
            Schema = schema ?? CompiledJsonSchema.Compile(json);
            ResponseFormat = ChatResponseFormat.ForJsonSchema(json, SchemaName(contract.Id), contract.Description);
            SchemaDescribesSchemaMembers = DeclaresSchemaMembers(json);
            IsStrictCompatible = StrictSchemaRules.IsStrictCompatible(json);
        }
    }

    /// <summary>Whether the output schema meets the rules of strict structured outputs as it is, so it may be sent with <c>strict: true</c>.</summary>
    public bool IsStrictCompatible { get; }

    public PromptContract Contract { get; }

    /// <summary>Gets a value indicating whether every tool call under the contract needs a person's approval.</summary>
    public bool RequiresToolApproval { get; }

    public Dictionary<string, InputRule> Inputs { get; }

    /// <summary>Gets the declared inputs in declaration order; a rule's <see cref="InputRule.Index"/> is its place here.</summary>
    public InputRule[] InputList { get; }

    public PromptTemplate? Template { get; }

    /// <summary>Gets a value indicating whether the contract has custom validators (fixed once the contract is frozen).</summary>
    public bool HasValidators { get; }

    /// <summary>Gets, for each placeholder of <see cref="Template"/> in order, the index of the input it shows, or -1 for a name no input declares.</summary>
    public int[] PlaceholderInputs { get; } = [];

    public HashSet<string>? AllowedTools { get; }

    public CompiledJsonSchema? Schema { get; }

    public ChatResponseFormat? ResponseFormat { get; }

    /// <summary>Whether the answer's own data may legitimately have members such as <c>properties</c> or <c>$schema</c>.</summary>
    public bool SchemaDescribesSchemaMembers { get; }

    public bool IsDeprecated(DateTimeOffset now) => Contract.DeprecatedAfter is DateTimeOffset after && now >= after;

    /// <summary>True the first time only, so a deprecation warning is logged once per version.</summary>
    public bool ShouldLogDeprecation() => Interlocked.Exchange(ref _deprecationLogged, 1) == 0;

    public bool IsToolAllowed(string name) => AllowedTools is null || AllowedTools.Contains(name);

    private static string SchemaName(string id)
    {
        // Providers accept [a-zA-Z0-9_-]{1,64} as a schema name.
        var builder = new StringBuilder(Math.Min(id.Length, 64));
        foreach (char c in id)
        {
            if (builder.Length == 64)
            {
                break;
            }

            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return builder.Length == 0 ? "output" : builder.ToString();
    }

    private static bool DeclaresSchemaMembers(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object &&
        schema.TryGetProperty("properties", out JsonElement properties) &&
        properties.ValueKind == JsonValueKind.Object &&
        (properties.TryGetProperty("properties", out _) || properties.TryGetProperty("$schema", out _) || properties.TryGetProperty("type", out _));
}

/// <summary>A declared input with its compiled pattern and its place among the contract's inputs.</summary>
internal sealed record InputRule(ContractInput Input, Regex? Pattern, int Index);
