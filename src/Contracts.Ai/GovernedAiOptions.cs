using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Options for the whole governed pipeline, one section per stage.</summary>
/// <remarks>
/// <c>AddGovernedAi()</c> binds them from configuration section <c>GovernedAi</c> (for example
/// <c>GovernedAi:TokenBudget:ReservedOutputTokens</c>) and validates them when the app starts.
/// </remarks>
public sealed class GovernedAiOptions
{
    /// <summary>The configuration section the options bind from: <c>GovernedAi</c>.</summary>
    public const string SectionName = "GovernedAi";

    /// <summary>Gets or sets a value indicating whether prompt text, tool arguments and results may appear in telemetry and logs (always redacted).</summary>
    /// <value>Defaults to the environment variable <c>OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT</c> being <c>true</c>; otherwise <see langword="false"/>.</value>
    public bool EnableSensitiveData { get; set; } = string.Equals(
        Environment.GetEnvironmentVariable("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets or sets request and tool idempotency options.</summary>
    public IdempotencyOptions Idempotency { get; set; } = new();

    /// <summary>Gets or sets prompt routing and progressive delivery options.</summary>
    public PromptRoutingOptions Routing { get; set; } = new();

    /// <summary>Gets or sets prompt contract enforcement options.</summary>
    public ContractOptions Contracts { get; set; } = new();

    /// <summary>Gets or sets PII redaction and injection screening options.</summary>
    public DataProtectionOptions DataProtection { get; set; } = new();

    /// <summary>Gets or sets tool governance options.</summary>
    public ToolGovernanceOptions Tools { get; set; } = new();

    /// <summary>Gets or sets the rollouts by contract id; the same dictionary as <see cref="PromptRoutingOptions.Rollouts"/>, bindable as <c>GovernedAi:Rollouts</c>.</summary>
    public IDictionary<string, RolloutOptions> Rollouts
    {
        get => Routing.Rollouts;
        set => Routing.Rollouts = value;
    }

    /// <summary>Gets or sets session memory options (on by default for requests that name a session; see <c>AddSessionMemory()</c>).</summary>
    public SessionMemoryOptions SessionMemory { get; set; } = new();

    /// <summary>Gets or sets context-window budgeting options.</summary>
    public TokenBudgetOptions TokenBudget { get; set; } = new();

    /// <summary>Keys under the <c>GovernedAi</c> configuration section that name no setting, found when it was bound; reported by <see cref="Validate"/>.</summary>
    internal List<string>? ConfigurationErrors { get; set; }

    /// <summary>Returns every problem with the options, each naming the option by its configuration path.</summary>
    /// <returns>The problems; empty when the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(ConfigurationErrors ?? []);
        if (Idempotency is null) { errors.Add($"{SectionName}:Idempotency must not be null."); } else { Idempotency.Validate($"{SectionName}:Idempotency", errors); }
        if (Routing is null) { errors.Add($"{SectionName}:Routing must not be null."); } else { Routing.Validate($"{SectionName}:Routing", errors); }
        if (Contracts is null) { errors.Add($"{SectionName}:Contracts must not be null."); } else { Contracts.Validate($"{SectionName}:Contracts", errors); }
        if (DataProtection is null) { errors.Add($"{SectionName}:DataProtection must not be null."); } else { DataProtection.Validate($"{SectionName}:DataProtection", errors); }
        if (Tools is null) { errors.Add($"{SectionName}:Tools must not be null."); } else { Tools.Validate($"{SectionName}:Tools", errors); }
        if (SessionMemory is null) { errors.Add($"{SectionName}:SessionMemory must not be null."); } else { SessionMemory.Validate($"{SectionName}:SessionMemory", errors); }
        if (TokenBudget is null) { errors.Add($"{SectionName}:TokenBudget must not be null."); } else { TokenBudget.Validate($"{SectionName}:TokenBudget", errors); }
        return errors;
    }
}
