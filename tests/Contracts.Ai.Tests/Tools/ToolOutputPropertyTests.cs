using System.Text;
using System.Text.Json;
using Contracts.Ai;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Tools;

/// <summary>A generated tool output and what it holds.</summary>
public sealed record MalformedOutput(string Shape, object? Value)
{
    public const string Marker = "Zq9MARKER";

    public override string ToString() => Shape + ": " + (Value is string s && s.Length > 200 ? s[..200] + "..." : Value?.ToString());
}

/// <summary>Generates malformed and valid tool outputs: truncated JSON, wrong types, deep nesting, huge strings, invalid UTF-16, NaN, duplicate keys.</summary>
public static class MalformedOutputs
{
    private const string Valid = """{"id":1042,"sku":"Zq9MARKER","total":12.5,"note":null}""";

    public static Arbitrary<MalformedOutput> Outputs() => Gen.OneOf(
        Truncated(),
        WrongTypes(),
        DeepNesting(),
        HugeStrings(),
        InvalidUtf16(),
        NotANumber(),
        DuplicateKeys(),
        UnknownMembers(),
        RandomText(),
        Gen.Constant(new MalformedOutput("valid", Valid)),
        Gen.Elements<object?>(null, "", "null", "[]", "{}", "<html><body>502 Bad Gateway Zq9MARKER</body></html>", JsonDocument.Parse(Valid).RootElement)
            .Select(v => new MalformedOutput("edge", v))).ToArbitrary();

    private static Gen<MalformedOutput> Truncated() =>
        Gen.Choose(0, Valid.Length - 1).Select(n => new MalformedOutput("truncated", Valid[..n]));

    private static Gen<MalformedOutput> WrongTypes()
    {
        Gen<string> anyValue = Gen.Elements("\"Zq9MARKER\"", "true", "false", "null", "1.5", "-0", "1e400", "[\"Zq9MARKER\"]", "{\"v\":\"Zq9MARKER\"}", "99999999999999999999", "\"1042\"");
        return Gen.Zip(Gen.Elements("id", "sku", "total", "note"), anyValue)
            .Select(t => new MalformedOutput("wrongType", Valid.Replace(Member(t.Item1), "\"" + t.Item1 + "\":" + t.Item2, StringComparison.Ordinal)));
    }

    private static Gen<MalformedOutput> DeepNesting() =>
        Gen.Zip(Gen.Choose(1, 400), Gen.Elements("[", "{\"a\":"))
            .Select(t =>
            {
                string open = string.Concat(Enumerable.Repeat(t.Item2, t.Item1));
                string close = new(t.Item2 == "[" ? ']' : '}', t.Item1);
                return new MalformedOutput("deep", "{\"id\":1,\"sku\":\"Zq9MARKER\",\"note\":" + open + "1" + close + "}");
            });

    private static Gen<MalformedOutput> HugeStrings() =>
        Gen.Choose(1, 200_000).Select(n => new MalformedOutput("huge", "{\"id\":1,\"sku\":\"Zq9MARKER" + new string('x', n) + "\"}"));

    private static Gen<MalformedOutput> InvalidUtf16() =>
        Gen.Zip(Gen.Elements("\ud800", "\udc00", "\udfff\ud800", "\\ud800", "\\udc00x", "\\ud800\\u0041"), Gen.Choose(0, 2))
            .Select(t => new MalformedOutput("utf16", t.Item2 switch
            {
                0 => "{\"id\":1,\"sku\":\"Zq9MARKER" + t.Item1 + "\"}",
                1 => "{\"id\":1,\"sku\":\"Zq9MARKER\",\"note\":\"" + t.Item1 + "\"}",
                _ => "{\"id\":1,\"sku\":\"Zq9MARKER\",\"" + t.Item1 + "\":1}",
            }));

    private static Gen<MalformedOutput> NotANumber() =>
        Gen.Elements<object?>(
            "{\"id\":1,\"sku\":\"Zq9MARKER\",\"total\":NaN}",
            "{\"id\":1,\"sku\":\"Zq9MARKER\",\"total\":\"NaN\"}",
            "{\"id\":1,\"sku\":\"Zq9MARKER\",\"total\":Infinity}",
            "{\"id\":NaN,\"sku\":\"Zq9MARKER\"}",
            new Dictionary<string, object?> { ["id"] = 1, ["sku"] = MalformedOutput.Marker, ["total"] = double.NaN },
            new Dictionary<string, object?> { ["id"] = 1, ["sku"] = MalformedOutput.Marker, ["total"] = double.PositiveInfinity })
            .Select(v => new MalformedOutput("nan", v));

    private static Gen<MalformedOutput> DuplicateKeys() =>
        Gen.Elements("id", "sku", "total", "note")
            .Select(key => new MalformedOutput("duplicate", Valid.Insert(1, Member(key) + "\"Zq9MARKER\",")));

    private static Gen<MalformedOutput> UnknownMembers() =>
        Gen.Elements("extra", "Id", "SKU", "$type", "__proto__", "")
            .Select(key => new MalformedOutput("unknown", Valid.Insert(1, "\"" + key + "\":\"Zq9MARKER\",")));

    private static Gen<MalformedOutput> RandomText() =>
        Gen.ArrayOf(Gen.Frequency(
                (6, Gen.Elements('{', '}', '[', ']', '"', ':', ',', '1', 'n', 'u', 'l', 't', 'e', ' ', '\\', '.', '-')),
                (1, Gen.Choose(0, 0xFFFF).Select(i => (char)i))))
            .Select(chars => new MalformedOutput("random", MalformedOutput.Marker + new string(chars)));

    private static string Member(string name) => Valid.Substring(Valid.IndexOf("\"" + name + "\":", StringComparison.Ordinal), name.Length + 3) switch
    {
        _ => "\"" + name + "\":" + ValueOf(name),
    };

    private static string ValueOf(string name) => name switch
    {
        "id" => "1042",
        "sku" => "\"Zq9MARKER\"",
        "total" => "12.5",
        _ => "null",
    };
}

public class ToolOutputPropertyTests
{
    private static readonly AIFunction TypedThrowing = Governed(o => o.WithOutputContract(ToolTestJsonContext.Default.Order), ToolRejectionPolicy.Throw);
    private static readonly AIFunction TypedReturning = Governed(o => o.WithOutputContract(ToolTestJsonContext.Default.Order), ToolRejectionPolicy.ReturnError);
    private static readonly AIFunction SchemaThrowing = Governed(o => o.WithOutputSchema(ToolTestData.OrderSchema), ToolRejectionPolicy.Throw);
    private static readonly AIFunction SchemaReturning = Governed(o => o.WithOutputSchema(ToolTestData.OrderSchema), ToolRejectionPolicy.ReturnError);

    [ThreadStatic]
    private static object? t_current;

    [Property(MaxTest = 10_000, Arbitrary = [typeof(MalformedOutputs)])]
    public void Every_output_is_accepted_as_valid_or_rejected_with_the_typed_error(MalformedOutput output)
    {
        t_current = output.Value;
        foreach (AIFunction tool in new[] { TypedThrowing, SchemaThrowing })
        {
            object? result;
            try
            {
                result = tool.InvokeAsync(new AIFunctionArguments()).AsTask().GetAwaiter().GetResult();
            }
            catch (ToolOutputViolationException ex)
            {
                Assert.NotEmpty(ex.Violations);
                Assert.Equal("parse_order", ex.ToolName);
                Assert.DoesNotContain(MalformedOutput.Marker, ex.Message);
                continue;
            }

            AssertValidOrder(result, output);
        }
    }

    [Property(MaxTest = 10_000, Arbitrary = [typeof(MalformedOutputs)])]
    public void Nothing_rejected_reaches_the_model(MalformedOutput output)
    {
        t_current = output.Value;
        foreach (AIFunction tool in new[] { TypedReturning, SchemaReturning })
        {
            object? result = tool.InvokeAsync(new AIFunctionArguments()).AsTask().GetAwaiter().GetResult();
            JsonElement element = Assert.IsType<JsonElement>(result);
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("error", out JsonElement error))
            {
                Assert.Equal("tool_output_rejected", error.GetString());
                Assert.DoesNotContain(MalformedOutput.Marker, element.GetRawText());
                continue;
            }

            AssertValidOrder(result, output);
        }
    }

    private static void AssertValidOrder(object? result, MalformedOutput output)
    {
        JsonElement element = Assert.IsType<JsonElement>(result);
        Assert.True(element.ValueKind == JsonValueKind.Object, $"accepted a non-object for {output}");
        Assert.True(element.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number, $"accepted an order without a numeric id for {output}");
        Assert.True(element.TryGetProperty("sku", out JsonElement sku) && sku.ValueKind == JsonValueKind.String, $"accepted an order without a string sku for {output}");
        foreach (JsonProperty property in element.EnumerateObject())
        {
            Assert.Contains(property.Name, new[] { "id", "sku", "total", "note" });
        }
    }

    private static AIFunction Governed(Func<AIFunction, GovernedAIFunction> contract, ToolRejectionPolicy policy)
    {
        GovernedAIFunction governed = contract(new RawFunction("parse_order", () => t_current));
        var options = new ToolGovernanceOptions { OnRejection = policy };
        return new GovernedAIFunction(governed.Inner, governed.Policy, new ToolRuntime(governed.Inner, governed.Policy.WithDefaults(governed.Name, options), options), ToolCallScope.Detached);
    }
}
