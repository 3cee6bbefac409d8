namespace Contracts.Ai;

/// <summary>How much harm the calls a contract governs can do, which decides whether its tools need a person's approval.</summary>
public enum ContractRisk
{
    /// <summary>Tools run as the tool loop decides; a tool may still need approval by itself (<c>ApprovalRequiredAIFunction</c>, <see cref="ToolGovernanceOptions.RequireApprovalForHighRiskTools"/>).</summary>
    Normal = 0,

    /// <summary>
    /// Every tool call made under the contract needs a person's approval: the call returns an approval request to the caller instead
    /// of running the tool. A contract tagged <c>risk</c> = <c>high</c> or <c>critical</c> is treated the same.
    /// </summary>
    High = 1,
}
