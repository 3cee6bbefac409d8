using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Contracts.Ai.Tests.Tools;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Schema;

/// <summary>
/// The pattern matches of one validation share one time budget: hostile strings cost the budget once, not once
/// per string, and patterns that allow it run on the linear-time engine where hostile strings cost nothing.
/// </summary>
public class SchemaPatternBudgetTests
{
    // The lookahead keeps this pattern on the backtracking engine, where (a|aa)+ against a's and a '!' runs away.
    private const string Hostile = "^(?=a)(a|aa)+$";

    [Fact]
    public void TenHostileStringsCostTheBudgetOnceAndEachFailsNamingTheBudget()
    {
        // The first match is charged the whole budget on the schema's clock: no match may run after it.
        var clock = new SteppingClock(TimeSpan.FromMilliseconds(300));
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(TenFieldSchema(Hostile), TimeSpan.FromMilliseconds(300), clock);
        JsonElement answer = TenFieldAnswer(new string('a', 60) + "!");

        SchemaValidationResult result = schema.Validate(answer, out int evaluations);

        Assert.Equal(1, evaluations);
        Assert.Equal(10, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("pattern", e.Keyword));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "$.f" + i), result.Errors.Select(e => e.Path));
        Assert.All(result.Errors, e => Assert.Contains("time budget for patterns (300 ms per validation)", e.Message, StringComparison.Ordinal));
        Assert.Contains("could not be evaluated within", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.All(result.Errors.Skip(1), e => Assert.Contains("was not evaluated", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void No_pattern_is_evaluated_after_the_budget_expires_and_each_skipped_one_names_its_path(bool fallback)
    {
        // Each read of the clock moves it 100 ms: the budget of 300 ms lets exactly three matches run.
        var clock = new SteppingClock(TimeSpan.FromMilliseconds(100));
        JsonElement schemaJson = TenFieldSchema("^b+$");
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(fallback ? WithKeyword(schemaJson, "unevaluatedProperties", "false") : schemaJson, TimeSpan.FromMilliseconds(300), clock);

        SchemaValidationResult result = schema.Validate(TenFieldAnswer("aaa"), out int evaluations);

        Assert.Equal(fallback, schema.UsesFallback);
        Assert.Equal(3, evaluations);
        SchemaValidationError[] patterns = result.Errors.Where(e => e.Keyword == "pattern").ToArray();
        Assert.Equal(10, patterns.Length);
        Assert.Equal(3, patterns.Count(e => e.Message.Contains("does not match the pattern", StringComparison.Ordinal)));
        SchemaValidationError[] skipped = patterns.Where(e => e.Message.Contains("was not evaluated: earlier matches used up the time budget for patterns (300 ms per validation)", StringComparison.Ordinal)).ToArray();
        Assert.Equal(7, skipped.Length);
        Assert.Equal(7, skipped.Select(e => e.Path).Distinct().Count());
        Assert.All(skipped, e => Assert.Matches(@"^\$\.f\d$", e.Path));
    }

    [Fact]
    public void BudgetIsPerValidationSoTheNextAnswerGetsItAgain()
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(TenFieldSchema(Hostile), TimeSpan.FromMilliseconds(500));
        JsonElement hostile = TenFieldAnswer(new string('a', 60) + "!");
        JsonElement fine = TenFieldAnswer("aaaa");

        Assert.False(schema.IsValid(hostile));
        Assert.True(schema.Validate(fine).IsValid);
        Assert.True(schema.IsValid(fine));
    }

    [Fact]
    public void CatastrophicPatternsWithoutLookaroundsRunLinearAndGiveTheRealVerdict()
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(TenFieldSchema("^(a+)+$"), TimeSpan.FromSeconds(2));
        string hostile = new string('a', 50_000) + "!";

        SchemaValidationResult result = schema.Validate(TenFieldAnswer(hostile));

        Assert.Equal(10, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.StartsWith("string does not match the pattern", e.Message, StringComparison.Ordinal));
        Assert.True(schema.IsValid(TenFieldAnswer(new string('a', 50_000))));
    }

    [Fact]
    public async Task ToolArgumentPatternsGetNoMoreTimeThanTheToolsTimeout()
    {
        JsonElement parameters = JsonDocument.Parse("""{"type":"object","properties":{"code":{"type":"string","pattern":"^(?=a)(a|aa)+$"}}}""").RootElement;
        int calls = 0;
        AIFunction inner = new GovernedAIFunctionTests.SchemaFunction("lookup", parameters, () => { calls++; return "ok"; });
        GovernedAIFunction tool = GovernedAIFunctionTests.ThrowingPolicy(inner.WithTimeout(TimeSpan.FromMilliseconds(150)));

        ToolArgumentViolationException ex = await Assert.ThrowsAsync<ToolArgumentViolationException>(() =>
            tool.InvokeAsync(new AIFunctionArguments { ["code"] = new string('a', 60) + "!" }).AsTask());

        Assert.Equal(0, calls);
        ToolViolation violation = Assert.Single(ex.Violations);
        Assert.Equal("$.code", violation.Path);
        Assert.Equal("pattern", violation.Kind);
    }

    [Theory]
    [InlineData("unevaluatedProperties", "false")]
    [InlineData("dependentSchemas", "{\"f0\":true}")]
    public void FallbackSchemasShareTheSameBudget(string keyword, string value)
    {
        // A keyword outside the compiled subset sends the whole schema to JsonSchema.Net, whose own pattern keyword has no time limit.
        JsonElement schemaJson = WithKeyword(TenFieldSchema(Hostile), keyword, value);
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(schemaJson, TimeSpan.FromMilliseconds(300));
        Assert.True(schema.UsesFallback);

        SchemaValidationResult result = schema.Validate(TenFieldAnswer(new string('a', 60) + "!"));

        SchemaValidationError[] patterns = result.Errors.Where(e => e.Keyword == "pattern").ToArray();
        Assert.Equal(10, patterns.Length);
        Assert.All(patterns, e => Assert.Contains("time budget for patterns (300 ms per validation)", e.Message, StringComparison.Ordinal));
        Assert.Single(patterns, e => e.Message.Contains("could not be evaluated within", StringComparison.Ordinal));
        Assert.False(schema.IsValid(TenFieldAnswer(new string('a', 60) + "!")));
        Assert.True(schema.IsValid(TenFieldAnswer("aaaa")));
    }

    [Fact]
    public void FallbackPatternPropertiesShareTheBudgetAndFailClosed()
    {
        JsonElement schemaJson = JsonDocument.Parse(
            "{\"type\":\"object\",\"unevaluatedProperties\":false,\"patternProperties\":{" + JsonSerializer.Serialize(Hostile) + ":{\"type\":\"integer\"}}}").RootElement;
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(schemaJson, TimeSpan.FromMilliseconds(300));
        string hostileName = new string('a', 60) + "!";

        SchemaValidationResult result = schema.Validate(JsonDocument.Parse("{\"" + hostileName + "\":1,\"" + hostileName + "b\":2}").RootElement);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Keyword == "patternProperties" && e.Message.Contains("time budget for patterns", StringComparison.Ordinal));
        Assert.True(schema.IsValid(JsonDocument.Parse("{\"aaaa\":1}").RootElement));
        Assert.False(schema.IsValid(JsonDocument.Parse("{\"aaaa\":\"x\"}").RootElement));
        Assert.False(schema.IsValid(JsonDocument.Parse("{\"zzz\":1}").RootElement));
    }

    [Fact]
    public void FallbackPatternsRunLinearAndFollowEcma262LikeTheCompiledValidator()
    {
        JsonElement schemaJson = WithKeyword(TenFieldSchema("^(a+)+$"), "unevaluatedProperties", "false");
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(schemaJson, TimeSpan.FromSeconds(2));
        CompiledJsonSchema anchored = CompiledJsonSchema.Compile(JsonDocument.Parse("""{"if":true,"pattern":"^abc$"}""").RootElement);

        SchemaValidationResult result = schema.Validate(TenFieldAnswer(new string('a', 50_000) + "!"));

        Assert.Equal(10, result.Errors.Count(e => e.Keyword == "pattern"));
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("time budget", StringComparison.Ordinal));
        Assert.True(schema.IsValid(TenFieldAnswer(new string('a', 50_000))));
        Assert.True(anchored.UsesFallback);
        Assert.True(anchored.IsValid(JsonDocument.Parse("\"abc\"").RootElement));
        Assert.False(anchored.IsValid(JsonDocument.Parse("\"abc\\n\"").RootElement));
    }

    [Fact]
    public void FallbackSchemasOfEarlierDraftsShareTheBudgetToo()
    {
        JsonElement schemaJson = JsonDocument.Parse(
            "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"dependencies\":{\"f0\":[\"f1\"]},\"properties\":{\"f0\":{\"pattern\":" + JsonSerializer.Serialize(Hostile) + "}}}").RootElement;
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(schemaJson, TimeSpan.FromMilliseconds(200));

        SchemaValidationResult result = schema.Validate(JsonDocument.Parse("{\"f0\":\"" + new string('a', 60) + "!\",\"f1\":1}").RootElement);

        Assert.True(schema.UsesFallback);
        Assert.Contains(result.Errors, e => e.Keyword == "pattern" && e.Message.Contains("time budget for patterns (200 ms per validation)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pattern_that_does_not_parse_in_a_fallback_schema_is_a_schema_error()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() =>
            CompiledJsonSchema.Compile(JsonDocument.Parse("""{"if":true,"pattern":"(unclosed"}""").RootElement));

        Assert.Contains("Invalid JSON Schema", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArgumentValidationTimeIsTakenFromTheFirstAttemptAndRetriesGetTheWholeTimeout()
    {
        int attempts = 0;
        AIFunction inner = AIFunctionFactory.Create(
            async (System.Threading.CancellationToken token) =>
            {
                if (System.Threading.Interlocked.Increment(ref attempts) == 1)
                {
                    // Only the shortened first-attempt timeout can end this wait.
                    await Task.Delay(System.Threading.Timeout.Infinite, token);
                }

                return "second";
            },
            "lookup");
        GovernedAIFunction tool = inner.WithTimeout(TimeSpan.FromMinutes(10)).WithRetry(1, TimeSpan.Zero);

        object? result = await tool.Runtime.InvokeAsync(inner, new AIFunctionArguments(), TimeSpan.FromMilliseconds(1), default);

        Assert.Equal(2, attempts);
        Assert.Equal("second", Assert.IsType<JsonElement>(result).GetString());
    }

    private static JsonElement TenFieldSchema(string pattern)
    {
        StringBuilder json = new("""{"type":"object","properties":{""");
        for (int i = 0; i < 10; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("\"f").Append(i).Append("\":{\"type\":\"string\",\"pattern\":").Append(JsonSerializer.Serialize(pattern)).Append('}');
        }

        return JsonDocument.Parse(json.Append("}}").ToString()).RootElement.Clone();
    }

    private static JsonElement TenFieldAnswer(string value)
    {
        StringBuilder json = new("{");
        for (int i = 0; i < 10; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("\"f").Append(i).Append("\":").Append(JsonSerializer.Serialize(value));
        }

        return JsonDocument.Parse(json.Append('}').ToString()).RootElement.Clone();
    }

    private static JsonElement WithKeyword(JsonElement schema, string keyword, string value)
    {
        string json = schema.GetRawText();
        return JsonDocument.Parse(json[..^1] + ",\"" + keyword + "\":" + value + "}").RootElement.Clone();
    }

    /// <summary>A clock that moves a fixed step each time it is read, so a budget expires after a known number of matches.</summary>
    internal sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp()
        {
            long now = _now;
            _now += step.Ticks;
            return now;
        }
    }
}
