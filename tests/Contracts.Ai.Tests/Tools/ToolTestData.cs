using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Tools;

public sealed class Order
{
    [JsonPropertyName("id")]
    public required int Id { get; init; }

    [JsonPropertyName("sku")]
    public required string Sku { get; init; }

    [JsonPropertyName("total")]
    public decimal Total { get; init; }

    [JsonPropertyName("note")]
    public string? Note { get; init; }
}

[JsonSerializable(typeof(Order))]
internal sealed partial class ToolTestJsonContext : JsonSerializerContext;

internal static class ToolTestData
{
    public const string ValidOrder = """{"id":1042,"sku":"A-1","total":12.5}""";

    public const string Secret = "SECRET-PAYLOAD-4242";

    public static readonly JsonElement OrderSchema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "id": { "type": "integer", "minimum": 1 },
            "sku": { "type": "string" },
            "total": { "type": "number" }
          },
          "required": ["id", "sku"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    /// <summary>A tool returning the text it is given, counting its calls.</summary>
    public static AIFunction Returning(Func<object?> output, string name = "get_order", Action? onCall = null) =>
        AIFunctionFactory.Create(
            (int id) =>
            {
                onCall?.Invoke();
                return output();
            },
            name,
            "Gets an order by id.");

    /// <summary>A tool that hands back exactly what it is given, without AIFunctionFactory's marshalling.</summary>
    public static AIFunction Raw(object? output, string name = "get_order") =>
        new RawFunction(name, () => output);

    public static AIFunctionArguments Args(int id = 1042) => new() { ["id"] = id };

    public static string Text(object? result) => result switch
    {
        JsonElement element => element.GetRawText(),
        null => "null",
        _ => result.ToString()!,
    };
}

internal sealed class RawFunction(string name, Func<object?> body) : AIFunction
{
    private static readonly JsonElement Parameters = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"integer"}}}""").RootElement.Clone();

    public override string Name => name;

    public override JsonElement JsonSchema => Parameters;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) => new(body());
}
