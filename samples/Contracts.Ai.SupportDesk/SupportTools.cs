using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.SupportDesk;

/// <summary>The tools the support model may call.</summary>
public static class SupportTools
{
    private static readonly Dictionary<string, string> Orders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["A-1001"] = "shipped on 2026-11-20, arriving 2026-11-26",
        ["A-1002"] = "being packed, ships within 2 working days",
        ["A-1003"] = "delivered on 2026-11-18",
    };

    /// <summary>Looks up an order's status by its id.</summary>
    public static AIFunction LookupOrder { get; } = AIFunctionFactory.Create(Lookup, "lookup_order", "Looks up the status of a customer's order by its id, such as A-1001.");

    private static string Lookup([Description("The order id, such as A-1001.")] string orderId) =>
        Orders.TryGetValue(orderId, out string? status) ? status : "not found";
}
