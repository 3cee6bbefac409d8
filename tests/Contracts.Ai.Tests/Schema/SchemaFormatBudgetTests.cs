using System.Text.Json;
using Json.Schema;

namespace Contracts.Ai.Tests.Schema;

/// <summary>
/// <c>format</c> is an annotation in every schema the validator accepts: JsonSchema.Net would still run each format's
/// check, without a time limit, on whatever string the model wrote; here the check is never run, so a hostile string costs nothing.
/// </summary>
public class SchemaFormatBudgetTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\"$schema\":\"http://json-schema.org/draft-07/schema#\",")]
    [InlineData("\"$schema\":\"https://json-schema.org/draft/2019-09/schema\",")]
    public void A_format_check_is_never_run_on_the_models_string(string dialect)
    {
        string name = "contracts-ai-probe-" + Guid.NewGuid().ToString("n");
        int checks = 0;
        FormatRegistry.Global.Register(new PredicateFormat(name, _ => { Interlocked.Increment(ref checks); return false; }));
        try
        {
            CompiledJsonSchema schema = CompiledJsonSchema.Compile(
                JsonDocument.Parse("{" + dialect + "\"if\":true,\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"format\":\"" + name + "\"}}}").RootElement);
            JsonElement answer = JsonDocument.Parse(JsonSerializer.Serialize(new { f = new string('a', 100_000) })).RootElement;

            SchemaValidationResult result = schema.Validate(answer);

            Assert.True(schema.UsesFallback);
            Assert.True(result.IsValid);
            Assert.True(schema.IsValid(answer));
            Assert.Equal(0, Volatile.Read(ref checks));
        }
        finally
        {
            FormatRegistry.Global.Unregister(name);
        }
    }

    [Theory]
    [InlineData("email")]
    [InlineData("idn-email")]
    [InlineData("hostname")]
    [InlineData("regex")]
    [InlineData("date-time")]
    [InlineData("uri")]
    public void Hostile_strings_under_a_built_in_format_are_annotations_and_leave_the_rest_of_the_schema_checked(string format)
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(JsonDocument.Parse(
            "{\"if\":true,\"type\":\"object\",\"required\":[\"n\"],\"properties\":{\"n\":{\"type\":\"integer\"},\"f\":{\"type\":\"string\",\"format\":\"" + format + "\"}}}").RootElement);
        string[] hostile =
        [
            "\"" + new string('"', 50_000) + "x",
            new string('a', 50_000) + "@" + string.Concat(Enumerable.Repeat("a-", 25_000)) + "!",
            new string('(', 20_000) + new string(')', 19_999),
            "\ud83d\ude00" + new string('\\', 10_000),
        ];

        foreach (string text in hostile)
        {
            Assert.True(schema.IsValid(JsonDocument.Parse(JsonSerializer.Serialize(new { n = 1, f = text })).RootElement));
            SchemaValidationResult missing = schema.Validate(JsonDocument.Parse(JsonSerializer.Serialize(new { f = text })).RootElement);
            Assert.Contains(missing.Errors, e => e.Keyword == "required");
            Assert.DoesNotContain(missing.Errors, e => e.Keyword == "format");
        }
    }
}
