using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Benchmarks;

/// <summary>Overhead of a governed tool call over calling the bare AIFunction, for a 1 KB JSON output.</summary>
[MemoryDiagnoser]
public class ToolBenchmarks
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","properties":{"id":{"type":"integer"},"status":{"type":"string"},"lines":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"quantity":{"type":"integer","minimum":1},"price":{"type":"number"}},"required":["sku","quantity","price"],"additionalProperties":false}}},"required":["id","status","lines"],"additionalProperties":false}
        """).RootElement.Clone();

    private AIFunction _bare = null!;
    private AIFunction _governed = null!;
    private AIFunction _typed = null!;
    private AIFunction _schema = null!;
    private AIFunctionArguments _arguments = null!;

    [GlobalSetup]
    public void Setup()
    {
        string output = BuildOutput();
        _bare = new FixedOutputFunction(output);
        _governed = _bare.WithMaxOutputBytes(64 * 1024);
        _typed = _bare.WithOutputContract(BenchmarkToolJsonContext.Default.BenchmarkOrder);
        _schema = _bare.WithOutputSchema(Schema);
        _arguments = new AIFunctionArguments { ["id"] = JsonDocument.Parse("1042").RootElement };
        foreach (AIFunction tool in new[] { _governed, _typed, _schema })
        {
            object? accepted = tool.InvokeAsync(_arguments).AsTask().GetAwaiter().GetResult();
            string result = accepted is JsonElement element ? element.GetRawText() : accepted as string ?? "null";
            if (result.Contains("\"error\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{tool.Name} rejected the benchmark output: {result}");
            }
        }
    }

    [Benchmark(Baseline = true)]
    public ValueTask<object?> Bare() => _bare.InvokeAsync(_arguments);

    [Benchmark]
    public ValueTask<object?> Governed_no_contract() => _governed.InvokeAsync(_arguments);

    [Benchmark]
    public ValueTask<object?> Governed_typed_contract() => _typed.InvokeAsync(_arguments);

    [Benchmark]
    public ValueTask<object?> Governed_schema_contract() => _schema.InvokeAsync(_arguments);

    private static string BuildOutput()
    {
        var json = new StringBuilder("{\"id\":1042,\"status\":\"shipped\",\"lines\":[");
        for (int i = 0; json.Length < 980; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("{\"sku\":\"SKU-").Append(1000 + i).Append("\",\"quantity\":").Append(i + 1).Append(",\"price\":").Append(9.5 + i).Append('}');
        }

        return json.Append("]}").ToString();
    }

    /// <summary>A tool that answers at once with the same JSON text, so the benchmark measures governance alone.</summary>
    private sealed class FixedOutputFunction(string output) : AIFunction
    {
        private static readonly JsonElement Parameters = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}""").RootElement.Clone();

        public override string Name => "get_order";

        public override JsonElement JsonSchema => Parameters;

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) => new(output);
    }
}

public sealed class BenchmarkOrder
{
    [JsonPropertyName("id")]
    public required int Id { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("lines")]
    public required List<BenchmarkOrderLine> Lines { get; init; }
}

public sealed class BenchmarkOrderLine
{
    [JsonPropertyName("sku")]
    public required string Sku { get; init; }

    [JsonPropertyName("quantity")]
    public required int Quantity { get; init; }

    [JsonPropertyName("price")]
    public required decimal Price { get; init; }
}

[JsonSerializable(typeof(BenchmarkOrder))]
internal sealed partial class BenchmarkToolJsonContext : JsonSerializerContext;
