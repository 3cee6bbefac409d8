using System;
using System.Linq;
using System.Threading.Tasks;
using System.Text.Json;

namespace Contracts.Ai.Tests.Schema;

public class CompiledJsonSchemaTests
{
    private const string OrderSchema = """
        {
          "type": "object",
          "properties": {
            "id": { "type": "string", "pattern": "^ORD-[0-9]{4}$" },
            "status": { "enum": ["open", "shipped", "closed"] },
            "items": {
              "type": "array",
              "minItems": 1,
              "items": {
                "type": "object",
                "properties": {
                  "sku": { "type": "string", "minLength": 3, "maxLength": 8 },
                  "qty": { "type": "integer", "minimum": 1, "maximum": 100 }
                },
                "required": ["sku", "qty"],
                "additionalProperties": false
              }
            },
            "customer": { "$ref": "#/$defs/customer" }
          },
          "required": ["id", "status", "items"],
          "additionalProperties": false,
          "$defs": {
            "customer": {
              "type": "object",
              "properties": { "email": { "type": "string", "format": "email" }, "tier": { "const": "gold" } },
              "required": ["email"]
            }
          }
        }
        """;

    [Fact]
    public void ValidDocumentHasNoErrors()
    {
        CompiledJsonSchema schema = Compile(OrderSchema);

        SchemaValidationResult result = schema.Validate(Parse("""
            {"id":"ORD-1234","status":"open","items":[{"sku":"ABC","qty":2}],"customer":{"email":"a@b.c","tier":"gold"}}
            """));

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.Same(SchemaValidationResult.Valid, result);
        Assert.False(schema.UsesFallback);
    }

    [Fact]
    public void ValidDocumentAllocatesNothing()
    {
        CompiledJsonSchema schema = Compile(OrderSchema);
        JsonElement document = Parse("""
            {"id":"ORD-1234","status":"shipped","items":[{"sku":"ABCDE","qty":2},{"sku":"XYZ","qty":100}],"customer":{"email":"a@b.c","tier":"gold"}}
            """);
        for (int i = 0; i < 100; i++)
        {
            _ = schema.Validate(document);
            _ = schema.IsValid(document);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool valid = schema.Validate(document).IsValid & schema.IsValid(document);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(valid);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void EveryErrorIsReportedWithItsPathAndKeyword()
    {
        CompiledJsonSchema schema = Compile(OrderSchema);

        SchemaValidationResult result = schema.Validate(Parse("""
            {"id":"ord-1","status":"lost","items":[{"sku":"ABC","qty":2},{"sku":"AB","qty":0,"note":"x"},{"qty":1.5}],"customer":{"tier":"silver"},"extra":true}
            """));

        Assert.False(result.IsValid);
        string[] found = result.Errors.Select(e => $"{e.Path} {e.Keyword}").Order(StringComparer.Ordinal).ToArray();
        string[] expected =
        [
            "$.customer required",
            "$.customer.tier const",
            "$.extra additionalProperties",
            "$.id pattern",
            "$.items[1].note additionalProperties",
            "$.items[1].qty minimum",
            "$.items[1].sku minLength",
            "$.items[2] required",
            "$.items[2].qty type",
            "$.status enum",
        ];
        Assert.Equal(expected, found);
    }

    [Fact]
    public void MessagesSayWhatWasExpectedWithoutEchoingTheValue()
    {
        CompiledJsonSchema schema = Compile("""{"type":"object","properties":{"name":{"type":"string","maxLength":5},"kind":{"enum":["a","b"]}},"required":["id"]}""");
        string secret = new('s', 40);

        SchemaValidationResult result = schema.Validate(Parse($$"""{"name":"{{secret}}","kind":"{{secret}}"}"""));

        SchemaValidationError length = Assert.Single(result.Errors, e => e.Keyword == "maxLength");
        Assert.Equal("$.name", length.Path);
        Assert.Contains("at most 5", length.Message, StringComparison.Ordinal);
        Assert.Contains("40", length.Message, StringComparison.Ordinal);
        SchemaValidationError kind = Assert.Single(result.Errors, e => e.Keyword == "enum");
        Assert.Contains("\"a\", \"b\"", kind.Message, StringComparison.Ordinal);
        SchemaValidationError required = Assert.Single(result.Errors, e => e.Keyword == "required");
        Assert.Equal("$", required.Path);
        Assert.Contains("'id'", required.Message, StringComparison.Ordinal);
        Assert.All(result.Errors, e => Assert.DoesNotContain(secret, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void PathsQuoteNamesThatAreNotIdentifiers()
    {
        CompiledJsonSchema schema = Compile("""{"properties":{"first name":{"type":"string"},"it's":{"type":"string"}}}""");

        SchemaValidationResult result = schema.Validate(Parse("""{"first name":1,"it's":2}"""));

        Assert.Equal(["$['first name']", "$['it\\'s']"], result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\"abc\"", true)]
    [InlineData("\"ab\"", false)]
    [InlineData("\"😀😀😀\"", true)] // three code points, six UTF-16 units
    [InlineData("\"😀😀\"", false)]
    [InlineData("\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"", true)] // escaped surrogate pairs
    [InlineData("\"é́e\"", true)] // combining mark counts as its own code point
    public void LengthsCountCodePoints(string json, bool valid)
    {
        CompiledJsonSchema schema = Compile("""{"minLength":3,"maxLength":3}""");

        Assert.Equal(valid, schema.Validate(Parse(json)).IsValid);
        Assert.Equal(valid, schema.IsValid(Parse(json)));
    }

    [Theory]
    [InlineData("""{"maximum":1e308}""", "1e309", false)]
    [InlineData("""{"minimum":-1e308}""", "-1e309", false)]
    [InlineData("""{"type":"integer"}""", "1e400", true)]
    [InlineData("""{"type":"integer"}""", "123456789012345678901234567890123", true)]
    [InlineData("""{"type":"integer"}""", "1.5e1", true)]
    [InlineData("""{"type":"integer"}""", "1.25e1", false)]
    [InlineData("""{"type":"integer"}""", "1e-50", false)]
    [InlineData("""{"exclusiveMinimum":0}""", "1e-50", true)]
    [InlineData("""{"exclusiveMaximum":0}""", "-1e-50", true)]
    [InlineData("""{"maximum":18446744073709551615}""", "18446744073709551616", false)]
    [InlineData("""{"minimum":0.1}""", "0.1000000000000000000000000001", true)]
    [InlineData("""{"multipleOf":0.01}""", "19.99", true)]
    [InlineData("""{"multipleOf":0.01}""", "19.995", false)]
    [InlineData("""{"multipleOf":0.123456789}""", "1e308", false)]
    public void NumbersCompareByValueAtTheirExtremes(string schemaJson, string instance, bool valid)
    {
        Assert.Equal(valid, Compile(schemaJson).Validate(Parse(instance)).IsValid);
    }

    [Theory]
    [InlineData("[1, 1.0]", false)]
    [InlineData("""[{"a":1,"b":[1,2]},{"b":[1,2.0],"a":1}]""", false)]
    [InlineData("""[{"a":1},{"a":1,"b":2}]""", true)]
    [InlineData("""["1", 1]""", true)]
    [InlineData("[0, false]", true)]
    public void UniqueItemsUsesJsonEquality(string instance, bool valid)
    {
        CompiledJsonSchema schema = Compile("""{"uniqueItems":true}""");

        SchemaValidationResult result = schema.Validate(Parse(instance));

        Assert.Equal(valid, result.IsValid);
        if (!valid)
        {
            Assert.Equal("uniqueItems", Assert.Single(result.Errors).Keyword);
        }
    }

    [Fact]
    public void AnyOfOneOfAndNotReportOneErrorForTheValue()
    {
        CompiledJsonSchema schema = Compile("""
            {"properties":{
              "a":{"anyOf":[{"type":"string"},{"type":"integer"}]},
              "b":{"oneOf":[{"type":"integer"},{"minimum":0}]},
              "c":{"not":{"type":"null"}}}}
            """);

        SchemaValidationResult result = schema.Validate(Parse("""{"a":true,"b":5,"c":null}"""));

        Assert.Equal(["$.a anyOf", "$.b oneOf", "$.c not"], result.Errors.Select(e => $"{e.Path} {e.Keyword}"));
    }

    [Fact]
    public void FailedUnionAlsoReportsTheErrorsOfTheOnlyBranchAcceptingTheType()
    {
        CompiledJsonSchema schema = Compile("""
            {"properties":{
              "note":{"anyOf":[{"type":"string","maxLength":5},{"type":"null"}]},
              "id":{"oneOf":[{"type":"integer","minimum":1},{"type":"string","pattern":"^[A-Z]+$"}]},
              "any":{"anyOf":[{"minimum":10},{"maximum":1}]}}}
            """);

        SchemaValidationResult result = schema.Validate(Parse("""{"note":"too long","id":"abc","any":5}"""));

        Assert.Equal(
            ["$.note anyOf", "$.note maxLength", "$.id oneOf", "$.id pattern", "$.any anyOf"],
            result.Errors.Select(e => $"{e.Path} {e.Keyword}"));
    }

    [Fact]
    public void RecursiveReferencesValidateNestedDocuments()
    {
        CompiledJsonSchema schema = Compile("""
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value"]}},
             "$ref":"#/$defs/node"}
            """);

        SchemaValidationResult result = schema.Validate(Parse("""{"value":1,"children":[{"value":2,"children":[{"value":"x"}]},{"children":[]}]}"""));

        Assert.False(schema.UsesFallback);
        Assert.Equal(["$.children[0].children[0].value type", "$.children[1] required"], result.Errors.Select(e => $"{e.Path} {e.Keyword}"));
    }

    [Fact]
    public void ReferenceCycleWithoutProgressFailsInsteadOfOverflowing()
    {
        CompiledJsonSchema schema = Compile("""{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""");

        SchemaValidationResult result = schema.Validate(Parse("1"));

        Assert.False(result.IsValid);
        Assert.Equal("$ref", result.Errors[0].Keyword);
    }

    [Theory]
    [InlineData("""{"type":12}""", "#/type")]
    [InlineData("""{"properties":{"a":{"type":"strin"}}}""", "#/properties/a/type")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "#/$ref")]
    [InlineData("""{"items":{"$ref":"#nowhere"}}""", "#/items/$ref")]
    [InlineData("""{"pattern":"(unclosed"}""", "#/pattern")]
    [InlineData("""{"patternProperties":{"[a-":{}}}""", "#/patternProperties/[a-")]
    [InlineData("""{"minLength":-1}""", "#/minLength")]
    [InlineData("""{"maxItems":1.5}""", "#/maxItems")]
    [InlineData("""{"required":"id"}""", "#/required")]
    [InlineData("""{"enum":1}""", "#/enum")]
    [InlineData("""{"anyOf":[]}""", "#/anyOf")]
    [InlineData("""{"multipleOf":0}""", "#/multipleOf")]
    [InlineData("""{"not":"string"}""", "#/not")]
    [InlineData("\"string\"", "#")]
    public void InvalidSchemaThrowsNamingTheLocation(string schemaJson, string location)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => CompiledJsonSchema.Compile(Parse(schemaJson)));

        Assert.Contains("'" + location + "'", e.Message, StringComparison.Ordinal);
        Assert.Equal("schema", e.ParamName);
    }

    [Fact]
    public void PatternsUseEcmaScriptSemantics()
    {
        CompiledJsonSchema ascii = Compile("""{"pattern":"^\\d+$"}""");
        CompiledJsonSchema letters = Compile("""{"pattern":"^\\p{Letter}+$"}""");

        Assert.True(ascii.IsValid(Parse("\"123\"")));
        Assert.False(ascii.IsValid(Parse("\"١٢٣\""))); // Arabic-Indic digits are not \d in ECMA-262
        Assert.True(letters.IsValid(Parse("\"éÅß\"")));
        Assert.False(letters.IsValid(Parse("\"ab1\"")));
    }

    [Fact]
    public void PatternThatRunsAwayFailsValidationInsteadOfPassing()
    {
        // Lookaheads keep these on the backtracking engine (without them they run in linear time).
        JsonElement schemaJson = Parse("""{"properties":{"code":{"pattern":"^(?=a)(a+)+$"},"other":{"anyOf":[{"pattern":"^(?=a)(a|aa)+$"}]}}}""");
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(schemaJson, TimeSpan.FromMilliseconds(500));
        string hostile = new string('a', 40) + "!";

        SchemaValidationResult result = schema.Validate(Parse($$"""{"code":"{{hostile}}","other":"{{hostile}}"}"""));

        Assert.Equal(["$.code pattern", "$.other anyOf", "$.other pattern"], result.Errors.Select(e => $"{e.Path} {e.Keyword}"));
        Assert.Contains("could not be evaluated within", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.True(schema.IsValid(Parse("""{"code":"aaaa","other":"aaa"}""")));
    }

    [Fact]
    public void BooleanSchemas()
    {
        Assert.True(Compile("true").Validate(Parse("{\"a\":1}")).IsValid);
        SchemaValidationError error = Assert.Single(Compile("false").Validate(Parse("1")).Errors);
        Assert.Equal("$", error.Path);
        Assert.Equal("false", error.Keyword);
    }

    [Fact]
    public void SchemaWithKeywordOutsideTheSubsetUsesTheFallbackWithMappedErrors()
    {
        CompiledJsonSchema schema = Compile("""
            {"type":"object","properties":{"list":{"type":"array","contains":{"const":1}}},"dependentRequired":{"a":["b"]}}
            """);

        SchemaValidationResult result = schema.Validate(Parse("""{"a":1,"list":[2,3]}"""));

        Assert.True(schema.UsesFallback);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Keyword == "dependentRequired" && e.Path == "$");
        Assert.Contains(result.Errors, e => e.Keyword == "contains" && e.Path == "$.list");
        Assert.True(schema.IsValid(Parse("""{"a":1,"b":2,"list":[1]}""")));
    }

    [Fact]
    public void SchemaIsCopiedSoTheCallersDocumentMayBeDisposed()
    {
        CompiledJsonSchema schema;
        using (JsonDocument document = JsonDocument.Parse("""{"type":"string","enum":["a"]}"""))
        {
            schema = CompiledJsonSchema.Compile(document.RootElement);
        }

        Assert.True(schema.IsValid(Parse("\"a\"")));
        Assert.Equal("string", schema.Schema.GetProperty("type").GetString());
    }

    [Fact]
    public void ReferencesResolveEscapedPointersAnchorsAndPropertyLocations()
    {
        CompiledJsonSchema schema = Compile("""
            {"$defs":{"a/b~c":{"type":"integer"},"positive":{"$anchor":"pos","minimum":0},"with space":{"maxLength":2}},
             "properties":{
               "p":{"$ref":"#/$defs/a~1b~0c"},
               "q":{"$ref":"#pos"},
               "r":{"$ref":"#/properties/p"},
               "s":{"$ref":"#/$defs/with%20space"}}}
            """);

        SchemaValidationResult result = schema.Validate(Parse("""{"p":"x","q":-1,"r":1.5,"s":"long"}"""));

        Assert.False(schema.UsesFallback);
        Assert.Equal(["$.p type", "$.q minimum", "$.r type", "$.s maxLength"], result.Errors.Select(e => $"{e.Path} {e.Keyword}"));
    }

    [Fact]
    public void ForbiddenAdditionalMembersAndItemsNameTheKeyword()
    {
        CompiledJsonSchema schema = Compile("""
            {"properties":{"pair":{"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}},"additionalProperties":false}
            """);

        SchemaValidationResult result = schema.Validate(Parse("""{"pair":["a",1,true],"other":1}"""));

        Assert.Equal(["$.pair[2] items", "$.other additionalProperties"], result.Errors.Select(e => $"{e.Path} {e.Keyword}"));
        Assert.Contains("allowed: pair", result.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("at most 2 items", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnnotationsAndUnknownKeywordsAreNotAsserted()
    {
        CompiledJsonSchema schema = Compile("""
            {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/answer","title":"t","description":"d",
             "$comment":"c","x-vendor":{"type":"integer"},
             "properties":{"email":{"type":"string","format":"email","default":"a@b.c","examples":["x"],"deprecated":true,"readOnly":true,"writeOnly":false,
               "contentMediaType":"text/plain"}}}
            """);

        Assert.False(schema.UsesFallback);
        Assert.True(schema.Validate(Parse("""{"email":"not an email"}""")).IsValid);
    }

    [Theory]
    [InlineData("""{"if":{"minimum":0},"then":{"multipleOf":2}}""")]
    [InlineData("""{"properties":{"a":{"unevaluatedProperties":false}}}""")]
    [InlineData("""{"$defs":{"x":{"propertyNames":{"maxLength":3}}}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#"}""")]
    [InlineData("""{"$ref":"https://json-schema.org/draft/2020-12/schema"}""")]
    [InlineData("""{"properties":{"a":{"$id":"https://example.com/a","type":"string"}}}""")]
    public void SchemasOutsideTheSubsetUseTheFallback(string schemaJson)
    {
        Assert.True(Compile(schemaJson).UsesFallback);
    }

    [Fact]
    public void FallbackErrorsCarryJsonPaths()
    {
        CompiledJsonSchema schema = Compile("""{"type":"array","items":{"type":"object","dependentRequired":{"a":["b"]}}}""");

        SchemaValidationResult result = schema.Validate(Parse("""[{},{"a":1}]"""));

        Assert.True(schema.UsesFallback);
        SchemaValidationError error = Assert.Single(result.Errors);
        Assert.Equal("$[1]", error.Path);
        Assert.Equal("dependentRequired", error.Keyword);
    }

    [Theory]
    [InlineData("""{"if":true,"type":12}""")]
    [InlineData("""{"type":12,"if":true}""")]
    public void InvalidSchemaOutsideTheSubsetAlsoThrows(string schemaJson)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Compile(schemaJson));

        Assert.Equal("schema", e.ParamName);
        Assert.Contains("type", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnresolvableLocalReferenceThrowsAlsoWhenTheFallbackWouldEvaluate()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Compile("""{"if":true,"properties":{"a":{"$ref":"#/$defs/missing"}}}"""));

        Assert.Equal("schema", e.ParamName);
        Assert.Contains("'#/properties/a/$ref'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneCompiledSchemaValidatesConcurrently()
    {
        CompiledJsonSchema schema = Compile(OrderSchema);
        JsonElement valid = Parse("""{"id":"ORD-1234","status":"open","items":[{"sku":"ABC","qty":2}]}""");
        JsonElement invalid = Parse("""{"id":"x","status":"open","items":[{"sku":"A","qty":0},{"sku":"ABCD","qty":101}]}""");
        string[] expected = schema.Validate(invalid).Errors.Select(e => e.ToString()).ToArray();

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (i % 2 == 0)
            {
                Assert.True(schema.Validate(valid).IsValid);
            }
            else
            {
                Assert.Equal(expected, schema.Validate(invalid).Errors.Select(e => e.ToString()));
                Assert.False(schema.IsValid(invalid));
            }
        });
        Assert.Equal(4, expected.Length);
    }

    private static CompiledJsonSchema Compile(string json) => CompiledJsonSchema.Compile(Parse(json));

    private static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
