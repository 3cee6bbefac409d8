using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using Json.Schema;
using Xunit.Abstractions;

namespace Contracts.Ai.Tests.Schema;

/// <summary>
/// Differential test against JsonSchema.Net 8.0.5: the official suite's schemas for every keyword the compiled
/// validator claims, plus schemas shaped like LLM structured outputs and tool parameters, each against
/// instances generated from a fixed seed (boundary numbers, long and astral strings, deep nesting, Unicode,
/// values derived from the schema's own limits, names and constants). Every disagreement must be one that
/// <see cref="KnownDisagreements"/> lists and justifies from the specification; any other fails the test.
/// </summary>
public class JsonSchemaNetDifferentialTests(ITestOutputHelper output)
{
    private const int Seed = 20201202;

    private static readonly EvaluationOptions FlagOutput = new() { OutputFormat = OutputFormat.Flag };

    [Fact]
    public void EveryDisagreementWithJsonSchemaNetIsAKnownSpecJustifiedOne()
    {
        // JsonSchema.Net recurses deeply on the nested instances: run on a thread with a large stack.
        Exception? failure = null;
        string summary = string.Empty;
        Thread thread = new(() =>
        {
            try
            {
                summary = Compare();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        output.WriteLine(summary);
    }

    private static string Compare()
    {
        Random random = new(Seed);
        List<string> unexplained = [];
        Dictionary<string, int> explained = new(StringComparer.Ordinal);
        int pairs = 0;
        int schemas = 0;
        foreach ((string name, JsonElement schemaJson) in Schemas())
        {
            CompiledJsonSchema compiled = CompiledJsonSchema.Compile(schemaJson);
            if (compiled.UsesFallback)
            {
                continue;
            }

            JsonSchema reference = JsonSchema.Build(schemaJson, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            schemas++;
            bool hasMultipleOf = schemaJson.GetRawText().Contains("\"multipleOf\"", StringComparison.Ordinal);
            foreach (JsonElement instance in DifferentialInstances.For(schemaJson, random))
            {
                if (hasMultipleOf && FallbackJsonSchema.HasHugeNumber(instance))
                {
                    // JsonSchema.Net's multipleOf overflows the stack on 1e400000000 (a crash, not a verdict);
                    // ExactNumberTests covers these values.
                    continue;
                }

                pairs++;
                bool ours = compiled.Validate(instance).IsValid;
                Assert.True(ours == compiled.IsValid(instance), $"{name}: Validate and IsValid disagree on {Show(instance)}");
                string theirs;
                try
                {
                    theirs = reference.Evaluate(instance, FlagOutput).IsValid ? "valid" : "invalid";
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    theirs = "throws " + e.GetType().Name;
                }

                if (theirs == (ours ? "valid" : "invalid"))
                {
                    continue;
                }

                KnownDisagreement? known = KnownDisagreements.Explain(schemaJson, instance, ours);
                if (known is null)
                {
                    unexplained.Add($"{name}: compiled says {(ours ? "valid" : "invalid")}, JsonSchema.Net {theirs}: {Show(instance)}");
                }
                else
                {
                    explained[known.Id] = explained.GetValueOrDefault(known.Id) + 1;
                }
            }
        }

        Assert.True(schemas > 200, $"only {schemas} schemas ran");
        Assert.True(pairs > 20_000, $"only {pairs} schema/instance pairs ran");
        Assert.True(
            unexplained.Count == 0,
            unexplained.Count + " unexplained disagreements of " + pairs + " pairs:" + Environment.NewLine +
            string.Join(Environment.NewLine, unexplained.Take(60)));

        // The list stays honest: every entry still explains at least one generated disagreement.
        Assert.Equal(KnownDisagreements.All.Select(k => k.Id).Order(StringComparer.Ordinal), explained.Keys.Order(StringComparer.Ordinal));
        return $"{schemas} schemas, {pairs} schema/instance pairs; known disagreements: " +
            string.Join(", ", explained.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + " " + e.Value));
    }

    /// <summary>The suite's schemas for the claimed keywords, then the LLM-style ones.</summary>
    private static IEnumerable<(string Name, JsonElement Schema)> Schemas()
    {
        foreach (string file in ClaimedFiles)
        {
            foreach (JsonSchemaTestSuite.Group group in JsonSchemaTestSuite.Load(file))
            {
                if (file is "pattern.json" or "patternProperties.json" && group.Description.Contains("Unicode property escape", StringComparison.Ordinal))
                {
                    // JsonSchema.Net rejects \p{Letter} at build time; JsonSchemaTestSuiteTests lists this.
                    continue;
                }

                yield return (file + " / " + group.Description, group.Schema);
            }
        }

        foreach ((string name, string json) in LlmSchemas)
        {
            yield return (name, JsonDocument.Parse(json).RootElement.Clone());
        }
    }

    private static readonly string[] ClaimedFiles =
    [
        "type.json", "properties.json", "required.json", "additionalProperties.json", "patternProperties.json",
        "enum.json", "const.json", "items.json", "prefixItems.json", "anyOf.json", "oneOf.json", "allOf.json",
        "not.json", "ref.json", "defs.json", "anchor.json", "minimum.json", "maximum.json", "exclusiveMinimum.json",
        "exclusiveMaximum.json", "multipleOf.json", "minLength.json", "maxLength.json", "pattern.json", "minItems.json",
        "maxItems.json", "uniqueItems.json", "minProperties.json", "maxProperties.json", "boolean_schema.json",
        "format.json", "content.json", "default.json", "infinite-loop-detection.json",
    ];

    private static readonly (string Name, string Json)[] LlmSchemas =
    [
        ("llm: ticket triage", """
            {"type":"object","properties":{
              "ticketId":{"type":"string","pattern":"^TCK-[0-9]{6}$"},
              "category":{"enum":["billing","shipping","returns","account","other"]},
              "priority":{"type":"integer","minimum":1,"maximum":5},
              "sentiment":{"type":"number","minimum":-1,"maximum":1},
              "summary":{"type":"string","minLength":10,"maxLength":400},
              "tags":{"type":"array","items":{"type":"string","pattern":"^[a-z][a-z0-9-]*$"},"uniqueItems":true,"maxItems":8},
              "confidence":{"type":"number","exclusiveMinimum":0,"maximum":1}},
             "required":["ticketId","category","priority","summary"],"additionalProperties":false}
            """),
        ("llm: order with line items", """
            {"type":"object","properties":{
              "orderId":{"type":"string","pattern":"^ORD-\\d{4}-\\d{4}$"},
              "currency":{"const":"EUR"},
              "total":{"type":"number","minimum":0,"multipleOf":0.01},
              "lines":{"type":"array","minItems":1,"maxItems":20,"items":{"$ref":"#/$defs/line"}}},
             "required":["orderId","total","lines"],"additionalProperties":false,
             "$defs":{"line":{"type":"object","properties":{
                "sku":{"type":"string","pattern":"^[A-Z]{3}-[0-9]{3,6}$"},
                "quantity":{"type":"integer","minimum":1,"maximum":999},
                "unitPrice":{"type":"number","exclusiveMinimum":0,"multipleOf":0.01},
                "note":{"type":["string","null"],"maxLength":200}},
               "required":["sku","quantity","unitPrice"],"additionalProperties":false}}}
            """),
        ("llm: tool arguments with nullable union", """
            {"type":"object","properties":{
              "query":{"type":"string","minLength":1,"maxLength":120},
              "limit":{"anyOf":[{"type":"integer","minimum":1,"maximum":100},{"type":"null"}]},
              "since":{"type":["string","null"],"pattern":"^\\d{4}-\\d{2}-\\d{2}$"},
              "mode":{"oneOf":[{"const":"fast"},{"const":"exact"}]}},
             "required":["query"]}
            """),
        ("llm: extraction with pattern properties", """
            {"type":"object","patternProperties":{"^x-[a-z]+$":{"type":"string"},"^n_\\w+$":{"type":"number","multipleOf":0.5}},
             "properties":{"name":{"type":"string","pattern":"^\\p{Lu}\\p{L}*$"}},"additionalProperties":false,"minProperties":1,"maxProperties":6}
            """),
        ("llm: recursive outline", """
            {"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
              "title":{"type":"string","maxLength":80},"depth":{"type":"integer","minimum":0},
              "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["title"]}}}
            """),
        ("llm: measurements", """
            {"type":"object","properties":{
              "celsius":{"type":"number","minimum":-273.15,"exclusiveMaximum":1e4},
              "ppm":{"type":"number","multipleOf":1e-8,"minimum":0},
              "count":{"type":"integer","multipleOf":3,"maximum":1e30},
              "ratio":{"type":"number","multipleOf":1.5},
              "scale":{"type":"number","multipleOf":0.1}}}
            """),
        ("llm: classification with enum of mixed values", """
            {"type":"object","properties":{
              "label":{"enum":["yes","no",null,0,1.5,{"k":[1,2]}]},
              "code":{"type":"string","pattern":"^[A-Z]{2}\\d{2}$"},
              "free":{"type":"string","pattern":"^.{1,5}$"},
              "words":{"type":"string","pattern":"^\\w+(\\s\\w+)*$"}},
             "required":["label"]}
            """),
        ("llm: tuple output", """
            {"type":"array","prefixItems":[{"type":"string","minLength":2},{"type":"integer"},{"type":"boolean"}],"items":false,"minItems":2}
            """),
    ];

    private static string Show(JsonElement instance)
    {
        string text = instance.GetRawText();
        return text.Length <= 160 ? text : string.Concat(text.AsSpan(0, 157), "...");
    }
}

/// <summary>Generates instances for a schema from a seeded random source.</summary>
internal static class DifferentialInstances
{
    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "1.0", "-1", "0.5", "2", "3", "-2.5", "19.99", "19.995", "1e2", "100", "1e-8",
        "1e-400", "-1e-400", "1e309", "-1e309", "1e400000000", "-1e400000000", "9007199254740993", "-9007199254740993",
        "18446744073709551615", "18446744073709551616", "79228162514264337593543950336", "1e29", "3e29",
        "0.99999999999999999999999999999", "1.00000000000000000000000000001", "0.30000000000000000000000000000001",
        "123456789012345678901234567890.5", "1.5e300", "4.9e-324",
    ];

    private static readonly string[] Strings =
    [
        "", "a", "ab", "abc", "abc\n", "abc\r", "\n", "aaaa", "ORD-1234", "ORD-2024-0042", "TCK-004211", "TCK-004211\n",
        "ABC-123", "ABC-123\n", "😀", "😀😀", "😀😀😀", "é́e", "\u0660\u0661", "\u2028", "\u2029", "\u0085", "\ufeff", " ",
        "\u00a0", "Éric", "éric", "x-y", "n_1", "yes", "no", "fast", "exact", "EUR", "2024-01-31", "2024-01-31\n",
        "hello world", "hello\tworld", "l'école", "𝐀𝐁", "foo", "bar", "baz", "\u0000",
    ];

    public static List<JsonElement> For(JsonElement schema, Random random)
    {
        List<string> values = [];
        values.AddRange(Numbers);
        foreach (string text in Strings)
        {
            values.Add(JsonSerializer.Serialize(text));
        }

        values.Add("true");
        values.Add("false");
        values.Add("null");
        values.Add("[]");
        values.Add("{}");
        values.Add("[1, 1.0]");
        values.Add("[1, 2]");
        values.Add("""[{"a":1},{"a":1.0}]""");
        values.Add("""[{"a":1e400},{"a":10e399}]""");
        values.Add("""[1e-400, 0]""");
        values.Add(JsonSerializer.Serialize(new string('a', 300)));
        values.Add(JsonSerializer.Serialize(string.Concat(Enumerable.Repeat("😀", 150))));
        values.Add(Nested("[", "]", 40, "1"));
        values.Add(Nested("{\"a\":", "}", 40, "1"));

        SchemaFacts facts = new();
        facts.Collect(schema, 0);
        foreach (string number in facts.Numbers)
        {
            values.AddRange(Around(number));
        }

        foreach (long length in facts.Lengths)
        {
            foreach (long n in (ReadOnlySpan<long>)[length - 1, length, length + 1])
            {
                if (n is >= 0 and <= 500)
                {
                    values.Add(JsonSerializer.Serialize(new string('a', (int)n)));
                    values.Add(JsonSerializer.Serialize(string.Concat(Enumerable.Repeat("😀", (int)n))));
                }
            }
        }

        values.AddRange(facts.Constants);

        // Objects from the schema's names: each name with a few values, and all names at once.
        List<string> pool = [.. values];
        foreach (string name in facts.Names)
        {
            for (int i = 0; i < 4; i++)
            {
                values.Add("{" + JsonSerializer.Serialize(name) + ":" + pool[random.Next(pool.Count)] + "}");
            }
        }

        for (int i = 0; i < 6 && facts.Names.Count > 0; i++)
        {
            StringBuilder all = new("{");
            foreach (string name in facts.Names)
            {
                if (random.Next(4) > 0)
                {
                    all.Append(all.Length > 1 ? "," : "").Append(JsonSerializer.Serialize(name)).Append(':').Append(pool[random.Next(pool.Count)]);
                }
            }

            values.Add(all.Append('}').ToString());
        }

        // Arrays: pairs (uniqueItems), prefixes of mixed values, and an array of the schema's objects.
        for (int i = 0; i < 8; i++)
        {
            string a = pool[random.Next(pool.Count)];
            values.Add("[" + a + "," + a + "]");
            values.Add("[" + a + "," + pool[random.Next(pool.Count)] + "," + pool[random.Next(pool.Count)] + "]");
        }

        List<JsonElement> instances = new(values.Count);
        foreach (string json in values)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 128 });
                instances.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                // Some text variants of a schema's numbers are not JSON (a leading zero): they are skipped.
            }
        }

        return instances;
    }

    // The number itself, written differently, and just above and below it past every binary and decimal precision.
    private static IEnumerable<string> Around(string number)
    {
        yield return number;
        int exponentAt = number.IndexOfAny(['e', 'E']);
        string mantissa = exponentAt < 0 ? number : number[..exponentAt];
        string exponent = exponentAt < 0 ? "" : number[exponentAt..];
        string withPoint = mantissa.Contains('.', StringComparison.Ordinal) ? mantissa : mantissa + ".";
        yield return withPoint + "0" + exponent;
        yield return withPoint + "00000000000000000000000000001" + exponent;
        if (exponentAt < 0 && mantissa.TrimStart('-') != "0")
        {
            yield return mantissa.Contains('.', StringComparison.Ordinal) ? mantissa + "0e0" : mantissa + "0e-1";
        }
        if (mantissa.StartsWith('-'))
        {
            yield return mantissa[1..] + exponent;
        }
        else
        {
            yield return "-" + number;
        }

        if (exponentAt < 0 && !mantissa.Contains('.', StringComparison.Ordinal) && mantissa.TrimStart('-') != "0")
        {
            // One below an integer bound, past decimal precision.
            string digits = mantissa.TrimStart('-');
            yield return (mantissa.StartsWith('-') ? "-" : "") + Decrement(digits) + ".99999999999999999999999999999";
        }
    }

    private static string Decrement(string digits)
    {
        char[] chars = digits.ToCharArray();
        int i = chars.Length - 1;
        while (i >= 0 && chars[i] == '0')
        {
            chars[i] = '9';
            i--;
        }

        chars[i]--;
        string result = new string(chars).TrimStart('0');
        return result.Length == 0 ? "0" : result;
    }

    private static string Nested(string open, string close, int depth, string inner) =>
        string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));

    /// <summary>What a schema mentions: numbers of numeric keywords, lengths, constants and property names.</summary>
    private sealed class SchemaFacts
    {
        public List<string> Numbers { get; } = [];

        public List<long> Lengths { get; } = [];

        public List<string> Constants { get; } = [];

        public List<string> Names { get; } = [];

        public void Collect(JsonElement schema, int depth)
        {
            if (schema.ValueKind != JsonValueKind.Object || depth > 20)
            {
                return;
            }

            foreach (JsonProperty keyword in schema.EnumerateObject())
            {
                JsonElement value = keyword.Value;
                switch (keyword.Name)
                {
                    case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "multipleOf" when value.ValueKind == JsonValueKind.Number:
                        Numbers.Add(value.GetRawText());
                        break;
                    case "minLength" or "maxLength" or "minItems" or "maxItems" or "minProperties" or "maxProperties" when value.TryGetInt64(out long n):
                        Lengths.Add(n);
                        break;
                    case "const":
                        Constants.Add(value.GetRawText());
                        break;
                    case "enum" when value.ValueKind == JsonValueKind.Array:
                        foreach (JsonElement item in value.EnumerateArray())
                        {
                            Constants.Add(item.GetRawText());
                            if (item.ValueKind == JsonValueKind.Number)
                            {
                                Numbers.Add(item.GetRawText());
                            }
                        }

                        break;
                    case "properties" or "patternProperties" or "$defs" when value.ValueKind == JsonValueKind.Object:
                        foreach (JsonProperty member in value.EnumerateObject())
                        {
                            if (keyword.Name == "properties")
                            {
                                AddName(member.Name);
                            }
                            else if (keyword.Name == "patternProperties")
                            {
                                AddName(Example(member.Name));
                            }

                            Collect(member.Value, depth + 1);
                        }

                        break;
                    case "required" when value.ValueKind == JsonValueKind.Array:
                        foreach (JsonElement item in value.EnumerateArray())
                        {
                            if (item.ValueKind == JsonValueKind.String)
                            {
                                AddName(item.GetString()!);
                            }
                        }

                        break;
                    case "items" or "not" or "additionalProperties":
                        Collect(value, depth + 1);
                        break;
                    case "prefixItems" or "allOf" or "anyOf" or "oneOf" when value.ValueKind == JsonValueKind.Array:
                        foreach (JsonElement item in value.EnumerateArray())
                        {
                            Collect(item, depth + 1);
                        }

                        break;
                }
            }
        }

        private void AddName(string name)
        {
            if (!Names.Contains(name))
            {
                Names.Add(name);
            }
        }

        // A name a pattern may match: the pattern's literal characters, plus variants with a trailing newline and a non-ASCII letter.
        private static string Example(string pattern)
        {
            StringBuilder text = new();
            foreach (char c in pattern)
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    text.Append(c);
                }
            }

            return text.Length == 0 ? "x" : text.ToString().ToLowerInvariant() + (pattern.Length % 2 == 0 ? "\n" : "é");
        }
    }
}
