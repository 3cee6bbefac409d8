using System.Text.Json.Serialization;

namespace Contracts.Ai.Quickstart;

/// <summary>An order as the get_order tool returns it.</summary>
internal sealed record Order(string OrderId, string Status, decimal Total);

/// <summary>An invoice as the get_invoice tool promises it.</summary>
internal sealed record Invoice(string OrderId, string Url);

[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(Invoice))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class QuickstartJson : JsonSerializerContext;

/// <summary>The quickstart's back office: the tools the model may call.</summary>
internal sealed class OrderStore
{
    private int _refunds;

    public int Refunds => Volatile.Read(ref _refunds);

    public Order GetOrder(string orderId) => new(orderId, "delivered", 42.50m);

    public string RefundOrder(string orderId, string reason)
    {
        Interlocked.Increment(ref _refunds);
        return $"refund R-{orderId}-1 issued ({reason.Length} characters of reason recorded)";
    }

    // The invoice service is down and its gateway answers with an HTML error page instead of JSON.
    public string GetInvoice(string orderId) => $"<html><body><h1>502 Bad Gateway</h1><p>{orderId}</p></body></html>";
}
