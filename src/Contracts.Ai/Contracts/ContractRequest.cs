using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// One governed request as the contract shapes it: the resolved contract's plan, the options the model sees, and
/// the call's state (when the outermost stage observes the call).
/// </summary>
internal sealed class ContractRequest
{
    private ContractRequest(ContractPlan plan, ChatOptions options, GovernedCall? call)
    {
        Plan = plan;
        Options = options;
        Tools = options.Tools;
        Call = call;
    }

    public ContractPlan Plan { get; }

    public PromptContract Contract => Plan.Contract;

    /// <summary>Gets the options the model sees: rendered prompt, allowed tools, response format, output cap. Never the caller's object.</summary>
    public ChatOptions Options { get; }

    /// <summary>
    /// Gets the tools the request offers (the allow-list applied), as they were before any stage below governed them:
    /// tool governance gives the call's own options its governed tools in place, so each later attempt starts from these.
    /// </summary>
    public IList<AITool>? Tools { get; }

    public GovernedCall? Call { get; }

    /// <summary>Records how validation went in the call's contract decision, when the call is observed.</summary>
    public void RecordValidation(string outcome, int attempts)
    {
        if (Call?.Record is { } record)
        {
            record.ForContract().Validated(outcome, attempts, record.Activity);
        }
    }

    /// <summary>Resolves the contract and checks the inputs, then builds the options the model sees.</summary>
    /// <exception cref="ContractNotFoundException">The contract, version or label is not registered.</exception>
    /// <exception cref="ContractViolationException">The inputs, or the request's required tool, break the contract.</exception>
    public static ContractRequest Prepare(
        IPromptRegistry registry, ContractOptions stageOptions, TimeProvider timeProvider, ILogger logger, GovernanceContext context, ChatOptions options)
    {
        string? versionOrLabel = context.ContractVersion;
        PromptContract contract = Resolve(registry, context.ContractId!, versionOrLabel);
        ContractPlan plan = contract.GetPlan();
        GovernedCall? call = GovernedCall.Observed;
        CallRecord? record = call?.Record;
        ContractDecision? decision = record?.ForContract();
        decision?.Resolved(
            contract.Id,
            contract.Version,
            versionOrLabel is not null && !string.Equals(versionOrLabel, contract.Version, StringComparison.Ordinal) ? versionOrLabel : null,
            record!.Activity);

        if (contract.DeprecatedAfter is not null && plan.IsDeprecated(timeProvider.GetUtcNow()))
        {
            record?.Activity?.SetTag(TelemetryNames.Attributes.ContractDeprecated, true);
            if (plan.ShouldLogDeprecation())
            {
                ContractLog.DeprecatedContract(logger, contract.Id, contract.Version, contract.DeprecatedAfter!.Value, contract.ReplacedBy ?? "(none)");
            }
        }

        List<ContractViolation>? violations = null;
        string?[] values = ContractInputValues.Read(plan, context.Inputs, ref violations);
        if (options.ToolMode is RequiredChatToolMode { RequiredFunctionName: string required } && !plan.IsToolAllowed(required))
        {
            (violations ??= new List<ContractViolation>()).Add(new(ContractViolationKinds.ToolNotAllowed, $"tool '{required}' is required by the request's tool mode but not allowed by the contract"));
        }

        if (violations is not null)
        {
            ContractViolations.Record(contract, violations);
            decision?.Validated(ValidationOutcomes.Failed, 0, record!.Activity);
            throw new ContractViolationException(contract.Id, contract.Version, ContractViolations.Describe(violations, attempt: null))
            {
                Kinds = ContractViolations.KindsOf(violations, null),
            };
        }

        ChatOptions request = GovernedCall.OwnsOptions(options) ? options : options.Clone();
        if (plan.Template is { } template)
        {
            string rendered = template.Render(values, plan.PlaceholderInputs);
            request.Instructions = string.IsNullOrEmpty(options.Instructions) ? rendered : rendered + "\n\n" + options.Instructions;
            if (decision is not null)
            {
                // The audit can tell which exact prompt was sent without ever holding it.
                decision.RenderedPromptHash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(rendered.AsSpan())).ToString("x16", CultureInfo.InvariantCulture);
            }
        }

        if ((plan.AllowedTools is not null || plan.RequiresToolApproval) && request.Tools is { Count: > 0 } tools)
        {
            var allowed = new List<AITool>(tools.Count);
            for (int i = 0; i < tools.Count; i++)
            {
                AITool tool = tools[i];
                if (plan.IsToolAllowed(tool.Name))
                {
                    allowed.Add(plan.RequiresToolApproval ? ToolApproval.Require(tool) : tool);
                }
            }

            request.Tools = allowed;
        }

        if (plan.ResponseFormat is not null)
        {
            request.ResponseFormat = plan.ResponseFormat;
            if (stageOptions.StrictOutputSchema && plan.IsStrictCompatible && !OffersToolsWithoutOwnStrictness(request.Tools) &&
                request.AdditionalProperties?.ContainsKey(ContractEnforcingChatClient.StrictKey) != true)
            {
                (request.AdditionalProperties ??= new AdditionalPropertiesDictionary())[ContractEnforcingChatClient.StrictKey] = true;
            }
        }

        if (contract.MaxOutputTokens is int maxOutput && (request.MaxOutputTokens is null || request.MaxOutputTokens > maxOutput))
        {
            request.MaxOutputTokens = maxOutput;
        }

        if (contract.MaxInputTokens is int maxInput)
        {
            if (GovernedCall.Current is { } current)
            {
                // Inside the governed pipeline the cap reaches the budgeting of every model call through the call's state.
                current.MaxInputTokens = current.MaxInputTokens is int cap && cap < maxInput ? cap : maxInput;
            }
            else
            {
                (request.AdditionalProperties ??= new AdditionalPropertiesDictionary())[TokenBudgetOptions.MaxInputTokensKey] = maxInput;
            }
        }

        return new ContractRequest(plan, request, call);
    }

    private static PromptContract Resolve(IPromptRegistry registry, string id, string? versionOrLabel)
    {
        try
        {
            return registry.Resolve(id, versionOrLabel);
        }
        catch (KeyNotFoundException ex)
        {
            // An app's own registry may follow the dictionary convention; callers still get one typed error.
            throw new ContractNotFoundException(id, versionOrLabel, ex.Message);
        }
    }

    /// <summary>Whether a tool would inherit the request's strictness: Microsoft.Extensions.AI.OpenAI applies the strict flag to every function that does not state its own.</summary>
    private static bool OffersToolsWithoutOwnStrictness(IList<AITool>? tools)
    {
        if (tools is null)
        {
            return false;
        }

        for (int i = 0; i < tools.Count; i++)
        {
            if (tools[i] is AIFunctionDeclaration function && function.AdditionalProperties?.ContainsKey(ContractEnforcingChatClient.StrictKey) != true)
            {
                return true;
            }
        }

        return false;
    }
}
