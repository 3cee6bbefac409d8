using System;
using System.Diagnostics;
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
        TimeSpan budget = TimeSpan.FromMilliseconds(300);
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(TenFieldSchema(Hostile), budget);
        JsonElement answer = TenFieldAnswer(new string('a', 60) + "!");

        Stopwatch watch = Stopwatch.StartNew();
        SchemaValidationResult result = schema.Validate(answer);
        watch.Stop();

        Assert.Equal(10, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("pattern", e.Keyword));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "$.f" + i), result.Errors.Select(e => e.Path));
        Assert.All(result.Errors, e => Assert.Contains("time budget for patterns (300 ms per validation)", e.Message, StringComparison.Ordinal));
        Assert.Contains("could not be evaluated within", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.All(result.Errors.Skip(1), e => Assert.Contains("was not evaluated", e.Message, StringComparison.Ordinal));

        // A timeout per match would take 10 x 300 ms; the budget is spent once (generous bound for a shared machine).
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(2000), $"took {watch.Elapsed.TotalMilliseconds:0} ms");
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
}
