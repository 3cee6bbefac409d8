using System;
using System.Text.Json;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts.Ai;
using Json.Schema;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// Validating a ~2 KB structured answer against its contract schema: the compiled validator against
/// JsonSchema.Net 8.0.5 on the same schema and documents. Documents are parsed once in setup, so neither
/// side pays for parsing; schemas are compiled/built once, as an application would.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ContractBenchmarks
{
    internal const string SchemaJson = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {
            "ticketId": { "type": "string", "pattern": "^TCK-[0-9]{6}$" },
            "category": { "enum": ["billing", "shipping", "returns", "account", "technical", "other"] },
            "priority": { "enum": ["low", "normal", "high", "urgent"] },
            "sentiment": { "type": "number", "minimum": -1, "maximum": 1 },
            "language": { "type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$" },
            "summary": { "type": "string", "minLength": 10, "maxLength": 400 },
            "customer": { "$ref": "#/$defs/customer" },
            "orders": { "type": "array", "maxItems": 20, "items": { "$ref": "#/$defs/order" } },
            "actions": {
              "type": "array",
              "minItems": 1,
              "items": {
                "type": "object",
                "properties": {
                  "kind": { "enum": ["refund", "replace", "escalate", "reply", "close"] },
                  "amount": { "type": "number", "exclusiveMinimum": 0, "multipleOf": 0.01 },
                  "note": { "type": "string", "maxLength": 200 }
                },
                "required": ["kind"],
                "additionalProperties": false
              }
            },
            "tags": { "type": "array", "items": { "type": "string", "pattern": "^[a-z][a-z0-9-]*$" }, "uniqueItems": true },
            "confidence": { "type": "number", "minimum": 0, "maximum": 1 }
          },
          "required": ["ticketId", "category", "priority", "summary", "customer", "actions", "confidence"],
          "additionalProperties": false,
          "$defs": {
            "customer": {
              "type": "object",
              "properties": {
                "id": { "type": "string", "pattern": "^C[0-9]{8}$" },
                "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "email": { "type": "string", "format": "email", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$" },
                "tier": { "enum": ["free", "plus", "pro", "enterprise"] },
                "address": {
                  "type": "object",
                  "properties": {
                    "street": { "type": "string" },
                    "city": { "type": "string" },
                    "postalCode": { "type": "string", "pattern": "^[0-9A-Z -]{3,10}$" },
                    "country": { "type": "string", "pattern": "^[A-Z]{2}$" }
                  },
                  "required": ["city", "country"],
                  "additionalProperties": false
                }
              },
              "required": ["id", "email", "tier"],
              "additionalProperties": false
            },
            "order": {
              "type": "object",
              "properties": {
                "orderId": { "type": "string", "pattern": "^ORD-[0-9]{4}-[0-9]{4}$" },
                "status": { "enum": ["pending", "paid", "shipped", "delivered", "returned", "cancelled"] },
                "total": { "type": "number", "minimum": 0 },
                "currency": { "enum": ["EUR", "USD", "GBP"] },
                "lines": {
                  "type": "array",
                  "minItems": 1,
                  "items": {
                    "type": "object",
                    "properties": {
                      "sku": { "type": "string", "pattern": "^[A-Z]{3}-[0-9]{3,6}$" },
                      "quantity": { "type": "integer", "minimum": 1, "maximum": 999 },
                      "unitPrice": { "type": "number", "minimum": 0 }
                    },
                    "required": ["sku", "quantity", "unitPrice"],
                    "additionalProperties": false
                  }
                }
              },
              "required": ["orderId", "status", "total", "currency", "lines"],
              "additionalProperties": false
            }
          }
        }
        """;

    internal const string ValidAnswerJson = """
        {
          "ticketId": "TCK-004211",
          "category": "returns",
          "priority": "high",
          "sentiment": -0.42,
          "language": "en-GB",
          "summary": "Customer received a damaged kettle and a wrong-colour mug in the same parcel and asks for a replacement of the kettle and a refund for the mug.",
          "customer": {
            "id": "C00012345",
            "name": "Alex Example",
            "email": "alex@example.com",
            "tier": "plus",
            "address": { "street": "1 High Street", "city": "Bristol", "postalCode": "BS1 4DJ", "country": "GB" }
          },
          "orders": [
            {
              "orderId": "ORD-2024-0042",
              "status": "delivered",
              "total": 89.97,
              "currency": "GBP",
              "lines": [
                { "sku": "KTL-20931", "quantity": 1, "unitPrice": 59.99 },
                { "sku": "MUG-118", "quantity": 2, "unitPrice": 14.99 }
              ]
            },
            {
              "orderId": "ORD-2024-0017",
              "status": "paid",
              "total": 24.5,
              "currency": "GBP",
              "lines": [
                { "sku": "TEA-5521", "quantity": 5, "unitPrice": 4.9 }
              ]
            },
            {
              "orderId": "ORD-2023-0981",
              "status": "returned",
              "total": 120,
              "currency": "EUR",
              "lines": [
                { "sku": "PAN-771", "quantity": 1, "unitPrice": 80 },
                { "sku": "LID-772", "quantity": 2, "unitPrice": 20 }
              ]
            }
          ],
          "actions": [
            { "kind": "replace", "note": "Ship a new kettle KTL-20931 by express; no return needed for the damaged unit." },
            { "kind": "refund", "amount": 14.99, "note": "Refund one mug, wrong colour." },
            { "kind": "reply", "note": "Apologise, confirm both actions and give the tracking link once available." }
          ],
          "tags": ["damaged-item", "wrong-item", "express-shipping", "uk"],
          "confidence": 0.87
        }
        """;

    // Same size; seven violations spread across the tree.
    internal const string InvalidAnswerJson = """
        {
          "ticketId": "TCK-4211",
          "category": "returns",
          "priority": "critical",
          "sentiment": -0.42,
          "language": "en-GB",
          "summary": "Customer received a damaged kettle and a wrong-colour mug in the same parcel and asks for a replacement of the kettle and a refund for the mug.",
          "customer": {
            "id": "C00012345",
            "name": "Alex Example",
            "email": "alex@example",
            "tier": "plus",
            "address": { "street": "1 High Street", "city": "Bristol", "postalCode": "BS1 4DJ", "country": "GB" }
          },
          "orders": [
            {
              "orderId": "ORD-2024-0042",
              "status": "delivered",
              "total": 89.97,
              "currency": "GBP",
              "lines": [
                { "sku": "KTL-20931", "quantity": 1, "unitPrice": 59.99 },
                { "sku": "MUG-118", "quantity": 0, "unitPrice": 14.99 }
              ]
            },
            {
              "orderId": "ORD-2024-0017",
              "status": "paid",
              "total": 24.5,
              "currency": "GBP",
              "lines": [
                { "sku": "TEA-5521", "quantity": 5, "unitPrice": 4.9 }
              ]
            },
            {
              "orderId": "ORD-2023-0981",
              "status": "returned",
              "total": 120,
              "currency": "CHF",
              "lines": [
                { "sku": "PAN-771", "quantity": 1, "unitPrice": 80 },
                { "sku": "LID-772", "quantity": 2.5, "unitPrice": 20 }
              ]
            }
          ],
          "actions": [
            { "kind": "replace", "note": "Ship a new kettle KTL-20931 by express; no return needed for the damaged unit." },
            { "kind": "refund", "amount": 14.999, "note": "Refund one mug, wrong colour." },
            { "kind": "reply", "note": "Apologise, confirm both actions and give the tracking link once available." }
          ],
          "tags": ["damaged-item", "wrong-item", "express-shipping", "uk"],
          "confidence": 0.87
        }
        """;

    // An order whose array holds 20 line items: the object-in-array path, which dominates structured answers.
    internal const string LineItemsSchemaJson = """
        {
          "type": "object",
          "properties": {
            "orderId": { "type": "string", "pattern": "^ORD-[0-9]{4}-[0-9]{4}$" },
            "currency": { "enum": ["EUR", "USD", "GBP"] },
            "total": { "type": "number", "minimum": 0, "multipleOf": 0.01 },
            "lines": {
              "type": "array",
              "minItems": 1,
              "maxItems": 50,
              "items": {
                "type": "object",
                "properties": {
                  "sku": { "type": "string", "pattern": "^[A-Z]{3}-[0-9]{3,6}$" },
                  "name": { "type": "string", "minLength": 1, "maxLength": 80 },
                  "quantity": { "type": "integer", "minimum": 1, "maximum": 999 },
                  "unitPrice": { "type": "number", "minimum": 0, "multipleOf": 0.01 },
                  "discount": { "type": "number", "minimum": 0, "maximum": 1 },
                  "taxRate": { "enum": [0, 0.05, 0.2] },
                  "giftWrap": { "type": "boolean" },
                  "tags": { "type": "array", "maxItems": 5, "items": { "type": "string", "maxLength": 20 } }
                },
                "required": ["sku", "quantity", "unitPrice"],
                "additionalProperties": false
              }
            }
          },
          "required": ["orderId", "currency", "total", "lines"],
          "additionalProperties": false
        }
        """;

    // Ten string fields, each under a pattern that backtracks catastrophically on a's followed by '!'.
    internal static string HostileSchemaJson(string pattern)
    {
        StringBuilder json = new("""{"type":"object","properties":{""");
        for (int i = 0; i < 10; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("\"f").Append(i).Append("\":{\"type\":\"string\",\"pattern\":").Append(JsonSerializer.Serialize(pattern)).Append('}');
        }

        return json.Append("}}").ToString();
    }

    internal static string HostileAnswerJson()
    {
        StringBuilder json = new("{");
        for (int i = 0; i < 10; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("\"f").Append(i).Append("\":\"").Append('a', 60).Append("!\"");
        }

        return json.Append('}').ToString();
    }

    internal static string LineItemsAnswerJson()
    {
        StringBuilder json = new("""{"orderId":"ORD-2024-0042","currency":"EUR","total":1234.56,"lines":[""");
        for (int i = 0; i < 20; i++)
        {
            json.Append(i == 0 ? "" : ",")
                .Append("{\"sku\":\"KTL-").Append(20931 + i).Append("\",\"name\":\"Kettle model ").Append(i)
                .Append("\",\"quantity\":").Append(1 + (i % 4)).Append(",\"unitPrice\":").Append((59.99m + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(",\"discount\":0.1")
                .Append(",\"taxRate\":0.2,\"giftWrap\":").Append(i % 2 == 0 ? "true" : "false").Append(",\"tags\":[\"kitchen\",\"electric\"]}");
        }

        return json.Append("]}").ToString();
    }

    private static readonly EvaluationOptions ListOutput = new() { OutputFormat = OutputFormat.List };

    private CompiledJsonSchema _compiled = null!;
    private JsonSchema _reference = null!;
    private JsonElement _valid;
    private JsonElement _invalid;

    private CompiledJsonSchema _lineItemsCompiled = null!;
    private JsonSchema _lineItemsReference = null!;
    private JsonElement _lineItems;
    private CompiledJsonSchema _hostileLinear = null!;
    private CompiledJsonSchema _hostileBacktracking = null!;
    private CompiledJsonSchema _hostileFallbackLinear = null!;
    private CompiledJsonSchema _hostileFallbackBacktracking = null!;
    private JsonElement _hostile;

    [GlobalSetup]
    public void Setup()
    {
        using (JsonDocument lineSchema = JsonDocument.Parse(LineItemsSchemaJson))
        {
            _lineItemsCompiled = CompiledJsonSchema.Compile(lineSchema.RootElement);
            _lineItemsReference = JsonSchema.Build(lineSchema.RootElement.Clone(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        }

        _lineItems = JsonDocument.Parse(LineItemsAnswerJson()).RootElement;
        if (_lineItemsCompiled.UsesFallback || !_lineItemsCompiled.Validate(_lineItems).IsValid || !_lineItemsReference.Evaluate(_lineItems).IsValid)
        {
            throw new InvalidOperationException("The line-items document does not give the expected verdicts.");
        }

        _hostileLinear = CompiledJsonSchema.Compile(JsonDocument.Parse(HostileSchemaJson("^(a+)+$")).RootElement);
        _hostileBacktracking = CompiledJsonSchema.Compile(JsonDocument.Parse(HostileSchemaJson("^(?=a)(a|aa)+$")).RootElement);
        _hostile = JsonDocument.Parse(HostileAnswerJson()).RootElement;

        // The same schemas with a keyword outside the compiled subset: JsonSchema.Net evaluates them, on the budgeted patterns.
        _hostileFallbackLinear = CompiledJsonSchema.Compile(JsonDocument.Parse(HostileSchemaJson("^(a+)+$")[..^1] + ",\"unevaluatedProperties\":false}").RootElement);
        _hostileFallbackBacktracking = CompiledJsonSchema.Compile(JsonDocument.Parse(HostileSchemaJson("^(?=a)(a|aa)+$")[..^1] + ",\"unevaluatedProperties\":false}").RootElement);
        if (!_hostileFallbackLinear.UsesFallback || _hostileFallbackLinear.Validate(_hostile).Errors.Count != 10)
        {
            throw new InvalidOperationException("The fallback hostile-pattern schema does not give the expected verdicts.");
        }

        using JsonDocument schema = JsonDocument.Parse(SchemaJson);
        _compiled = CompiledJsonSchema.Compile(schema.RootElement);
        _reference = JsonSchema.Build(schema.RootElement.Clone(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        _valid = JsonDocument.Parse(ValidAnswerJson).RootElement;
        _invalid = JsonDocument.Parse(InvalidAnswerJson).RootElement;
        if (_compiled.UsesFallback || !_compiled.Validate(_valid).IsValid || !_reference.Evaluate(_valid).IsValid ||
            _compiled.Validate(_invalid).Errors.Count != 7 || _reference.Evaluate(_invalid).IsValid)
        {
            throw new InvalidOperationException("The benchmark documents do not give the expected verdicts.");
        }
    }

    [BenchmarkCategory("answer"), Benchmark(Baseline = true, Description = "JsonSchema.Net, valid answer")]
    public bool JsonSchemaNetValid() => _reference.Evaluate(_valid).IsValid;

    [BenchmarkCategory("answer"), Benchmark(Description = "Compiled, valid answer")]
    public bool CompiledValid() => _compiled.Validate(_valid).IsValid;

    [BenchmarkCategory("invalid answer"), Benchmark(Baseline = true, Description = "JsonSchema.Net, invalid answer, list output")]
    public int JsonSchemaNetInvalid() => _reference.Evaluate(_invalid, ListOutput).Details?.Count ?? 0;

    [BenchmarkCategory("invalid answer"), Benchmark(Description = "Compiled, invalid answer, all errors")]
    public int CompiledInvalid() => _compiled.Validate(_invalid).Errors.Count;

    [BenchmarkCategory("20 line items"), Benchmark(Baseline = true, Description = "JsonSchema.Net, order with 20 line items")]
    public bool JsonSchemaNetLineItems() => _lineItemsReference.Evaluate(_lineItems).IsValid;

    [BenchmarkCategory("20 line items"), Benchmark(Description = "Compiled, order with 20 line items")]
    public bool CompiledLineItems() => _lineItemsCompiled.Validate(_lineItems).IsValid;

    // JsonSchema.Net has no time limit on patterns: on these strings it would not finish, so it has no row here.
    [BenchmarkCategory("hostile patterns"), Benchmark(Baseline = true, Description = "Compiled, 10 hostile strings, linear-engine pattern")]
    public int CompiledHostileLinear() => _hostileLinear.Validate(_hostile).Errors.Count;

    [BenchmarkCategory("hostile patterns"), Benchmark(Description = "Compiled, 10 hostile strings, backtracking pattern (2 s budget)")]
    public int CompiledHostileBacktracking() => _hostileBacktracking.Validate(_hostile).Errors.Count;

    [BenchmarkCategory("hostile patterns, fallback"), Benchmark(Baseline = true, Description = "JsonSchema.Net fallback, 10 hostile strings, linear-engine pattern")]
    public int FallbackHostileLinear() => _hostileFallbackLinear.Validate(_hostile).Errors.Count;

    [BenchmarkCategory("hostile patterns, fallback"), Benchmark(Description = "JsonSchema.Net fallback, 10 hostile strings, backtracking pattern (2 s budget)")]
    public int FallbackHostileBacktracking() => _hostileFallbackBacktracking.Validate(_hostile).Errors.Count;
}
