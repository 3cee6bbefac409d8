using System.Linq;
using System.Text.Json;

namespace Contracts.Ai.Tests.Schema;

/// <summary>A string holding a lone surrogate escape is a validation error with its path wherever its text is needed, never an exception.</summary>
public class LoneSurrogateTests
{
    private const string Schema = """
        {"type":"object","properties":{
          "code":{"type":"string","pattern":"^[A-Z]+$"},
          "short":{"type":"string","maxLength":3},
          "long":{"type":"string","minLength":1},
          "kind":{"enum":["a","b"]},
          "fixed":{"const":"x"},
          "list":{"type":"array","items":{"pattern":"x"},"uniqueItems":true},
          "free":{"type":"string"}},
         "patternProperties":{"^m_":{"type":"integer"}}}
        """;

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("A\\udfffB")]
    [InlineData("\\ud83d")]
    [InlineData("\\ude00\\ud83d")]
    public void EveryKeywordNeedingTheTextReportsAnErrorAtItsPath(string escaped)
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(Parse(Schema));
        JsonElement instance = Parse($$"""
            {"code":"{{escaped}}","short":"{{escaped}}","long":"{{escaped}}","kind":"{{escaped}}","fixed":"{{escaped}}",
             "list":["{{escaped}}","{{escaped}}"],"free":"{{escaped}}"}
            """);

        SchemaValidationResult result = schema.Validate(instance);

        Assert.False(schema.IsValid(instance));
        Assert.Equal(
            ["$.code pattern", "$.short maxLength", "$.long minLength", "$.kind enum", "$.fixed const", "$.list[0] pattern", "$.list[1] pattern"],
            result.Errors.Select(e => $"{e.Path} {e.Keyword}"));
        Assert.All(result.Errors, e => Assert.Contains("lone surrogate", e.Message, System.StringComparison.Ordinal));
    }

    [Fact]
    public void PropertyNamesWithALoneSurrogateGetAPathAndFailPatternProperties()
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(Parse(Schema));
        CompiledJsonSchema closed = CompiledJsonSchema.Compile(Parse("""{"properties":{"a":{}},"additionalProperties":false}"""));
        JsonElement instance = Parse("""{"m_\ud800":1}""");

        SchemaValidationError error = Assert.Single(schema.Validate(instance).Errors);
        SchemaValidationError extra = Assert.Single(closed.Validate(instance).Errors);

        Assert.Equal("patternProperties", error.Keyword);
        Assert.Equal("$['m_\\ud800']", error.Path);
        Assert.Contains("lone surrogate", error.Message, System.StringComparison.Ordinal);
        Assert.Equal("additionalProperties", extra.Keyword);
        Assert.Equal("$['m_\\ud800']", extra.Path);
    }

    [Fact]
    public void AStringNoKeywordReadsStaysValidAndAPairedEscapeIsFine()
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(Parse(Schema));

        Assert.True(schema.Validate(Parse("""{"free":"\ud800"}""")).IsValid);
        Assert.True(schema.Validate(Parse("""{"code":"AB","short":"\ud83d\ude00","kind":"a"}""")).IsValid);
    }

    private static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
