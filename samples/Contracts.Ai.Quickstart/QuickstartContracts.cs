using System.Text.Json;
using Contracts.Ai;

namespace Contracts.Ai.Quickstart;

/// <summary>The quickstart's prompt contracts.</summary>
internal static class QuickstartContracts
{
    public static PromptContract Triage { get; } = new()
    {
        Id = "support.triage",
        Version = "1.0.0",
        Template = "You triage support tickets for Acme. The customer is {{customer}}, writing by {{channel}}. " +
                   "Answer with JSON only: category, priority and a one-line summary.",
        Inputs =
        {
            new ContractInput { Name = "customer", MaxLength = 80 },
            new ContractInput { Name = "channel", Pattern = "^(email|chat|phone)$" },
        },
        OutputSchema = JsonDocument.Parse("""
            {
              "type": "object",
              "properties": {
                "category": { "enum": ["billing", "delivery", "account", "other"] },
                "priority": { "enum": ["low", "normal", "high"] },
                "summary":  { "type": "string", "maxLength": 200 }
              },
              "required": ["category", "priority", "summary"],
              "additionalProperties": false
            }
            """).RootElement,
        OnFailure = ContractFailurePolicy.Reask,
        MaxReasks = 2,
        Owner = "support-platform",
        Tags = { ["risk"] = "low" },
    };

    public static PromptContract OrderDesk { get; } = new()
    {
        Id = "order.desk",
        Version = "1.0.0",
        Template = "You help {{customer}} with orders. Use the tools; never invent order data.",
        Inputs = { new ContractInput { Name = "customer", MaxLength = 80 } },
        AllowedTools = ["get_order", "refund_order", "get_invoice"],
        Owner = "support-platform",
        Tags = { ["risk"] = "medium" },
    };
}
