using System.Net.Http;
using System.Text.Json;
using Contracts.Ai;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Tools.ToolTestData;

namespace Contracts.Ai.Tests.Tools;

public class GovernedAIFunctionTests
{
    [Fact]
    public async Task Valid_typed_output_reaches_the_model_as_json()
    {
        GovernedAIFunction tool = Returning(() => ValidOrder).WithOutputContract(ToolTestJsonContext.Default.Order);

        object? result = await tool.InvokeAsync(Args());

        JsonElement element = Assert.IsType<JsonElement>(result);
        Assert.Equal(1042, element.GetProperty("id").GetInt32());
        Assert.Equal("A-1", element.GetProperty("sku").GetString());
    }

    [Fact]
    public async Task Object_output_is_normalised_and_checked()
    {
        GovernedAIFunction tool = Returning(() => new Order { Id = 7, Sku = "B-2", Total = 3 }).WithOutputContract(ToolTestJsonContext.Default.Order);

        JsonElement element = Assert.IsType<JsonElement>(await tool.InvokeAsync(Args()));

        Assert.Equal(7, element.GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData("""{"id":1,"sku":"A","total":1,"extra":"SECRET-PAYLOAD-4242"}""", "$.extra", "unknownMember")]
    [InlineData("""{"sku":"SECRET-PAYLOAD-4242","total":1}""", "$", "missingMember")]
    [InlineData("""{"id":1,"sku":null,"note":"SECRET-PAYLOAD-4242"}""", "$.sku", "null")]
    [InlineData("""{"id":"SECRET-PAYLOAD-4242","sku":"A"}""", "$.id", "type")]
    [InlineData("""{"id":1,"sku":"A","sku":"SECRET-PAYLOAD-4242"}""", "$", "duplicateKey")]
    [InlineData("<html><body>502 Bad Gateway SECRET-PAYLOAD-4242</body></html>", "$", "notJson")]
    [InlineData("""{"id":1,"sku":"SECRET-PAYLOAD-4242" """, "$", "notJson")]
    [InlineData("null", "$", "null")]
    public async Task Typed_output_violations_are_returned_as_structured_errors_without_the_payload(string output, string path, string kind)
    {
        GovernedAIFunction tool = Returning(() => output).WithOutputContract(ToolTestJsonContext.Default.Order);

        string result = Text(await tool.InvokeAsync(Args()));

        using JsonDocument error = JsonDocument.Parse(result);
        Assert.Equal("tool_output_rejected", error.RootElement.GetProperty("error").GetString());
        Assert.Equal("get_order", error.RootElement.GetProperty("tool").GetString());
        JsonElement violation = error.RootElement.GetProperty("violations")[0];
        Assert.StartsWith(path, violation.GetProperty("path").GetString());
        Assert.Equal(kind, violation.GetProperty("kind").GetString());
        Assert.DoesNotContain(Secret, result);
    }

    [Theory]
    [InlineData("""{"id":0,"sku":"A"}""", "$.id", "minimum")]
    [InlineData("""{"id":1}""", "$", "required")]
    [InlineData("""{"id":1,"sku":"A","extra":true}""", "$", "additionalProperties")]
    [InlineData("""{"id":1,"sku":7}""", "$.sku", "type")]
    public async Task Schema_output_violations_name_path_and_keyword(string output, string path, string keyword)
    {
        GovernedAIFunction tool = Returning(() => output).WithOutputSchema(OrderSchema).WithOutputSchema(OrderSchema);
        tool = tool.WithMaxOutputBytes(1024);

        ToolOutputViolationException ex = await Assert.ThrowsAsync<ToolOutputViolationException>(() =>
            ThrowingPolicy(tool).InvokeAsync(Args()).AsTask());

        Assert.Equal("get_order", ex.ToolName);
        Assert.Contains(ex.Violations, v => v.Kind == keyword && v.Path.StartsWith(path, StringComparison.Ordinal));
        Assert.Contains("get_order", ex.Message);
    }

    [Fact]
    public async Task Output_over_the_byte_cap_is_rejected()
    {
        string big = "{\"id\":1,\"sku\":\"" + new string('x', 2000) + "\"}";
        GovernedAIFunction tool = Returning(() => big).WithOutputContract(ToolTestJsonContext.Default.Order).WithMaxOutputBytes(1000);

        ToolOutputViolationException ex = await Assert.ThrowsAsync<ToolOutputViolationException>(() => ThrowingPolicy(tool).InvokeAsync(Args()).AsTask());

        ToolViolation violation = Assert.Single(ex.Violations);
        Assert.Equal("maxBytes", violation.Kind);
        Assert.Contains("1000", violation.Message);
    }

    [Fact]
    public async Task Plain_text_tools_without_a_contract_are_only_size_capped()
    {
        GovernedAIFunction ok = Returning(() => "sunny, 21 degrees").WithMaxOutputBytes(100);
        GovernedAIFunction tooBig = Returning(() => new string('x', 101)).WithMaxOutputBytes(100);

        Assert.Equal("sunny, 21 degrees", Text(await ok.InvokeAsync(Args())).Trim('"'));
        Assert.Contains("too_large", Text(await tooBig.InvokeAsync(Args())));
    }

    [Fact]
    public async Task Output_that_cannot_be_serialised_is_rejected_not_thrown()
    {
        GovernedAIFunction tool = Raw(new Dictionary<string, double> { ["value"] = double.NaN }).WithMaxOutputBytes(100);

        string result = Text(await tool.InvokeAsync(Args()));

        Assert.Contains("not_json", result);
    }

    [Fact]
    public async Task Invalid_utf16_in_a_json_promise_is_rejected()
    {
        GovernedAIFunction tool = Raw("{\"id\":1,\"sku\":\"\ud800\"}").WithOutputContract(ToolTestJsonContext.Default.Order);

        ToolOutputViolationException ex = await Assert.ThrowsAsync<ToolOutputViolationException>(() => ThrowingPolicy(tool).InvokeAsync(Args()).AsTask());

        Assert.Equal("notJson", Assert.Single(ex.Violations).Kind);
    }

    [Fact]
    public async Task Unknown_argument_is_rejected_and_the_tool_never_runs()
    {
        int calls = 0;
        GovernedAIFunction tool = Returning(() => ValidOrder, onCall: () => calls++).WithOutputContract(ToolTestJsonContext.Default.Order);

        string result = Text(await tool.InvokeAsync(new AIFunctionArguments { ["id"] = 1, ["orderId"] = 2 }));

        Assert.Equal(0, calls);
        Assert.Contains("tool_arguments_rejected", result);
        Assert.Contains("$.orderId", result);
        Assert.Contains("unknownArgument", result);
    }

    [Theory]
    [InlineData("missing", "required")]
    [InlineData("wrongType", "type")]
    public async Task Invalid_arguments_throw_under_the_throw_policy_and_the_tool_never_runs(string shape, string keyword)
    {
        int calls = 0;
        AIFunction inner = Returning(() => ValidOrder, onCall: () => calls++);
        var arguments = shape == "missing" ? new AIFunctionArguments() : new AIFunctionArguments { ["id"] = JsonDocument.Parse("\"SECRET-PAYLOAD-4242\"").RootElement };

        ToolArgumentViolationException ex = await Assert.ThrowsAsync<ToolArgumentViolationException>(() => ThrowingPolicy(inner.WithTimeout(TimeSpan.FromSeconds(5))).InvokeAsync(arguments).AsTask());

        Assert.Equal(0, calls);
        Assert.Equal("get_order", ex.ToolName);
        Assert.Contains(ex.Violations, v => v.Kind == keyword);
        Assert.DoesNotContain(Secret, ex.Message);
    }

    [Fact]
    public async Task Out_of_range_argument_is_rejected()
    {
        int calls = 0;
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"quantity":{"type":"integer","minimum":1,"maximum":10}},"required":["quantity"]}""").RootElement;
        AIFunction inner = new SchemaFunction("reserve", schema, () => { calls++; return "ok"; });

        string result = Text(await inner.WithTimeout(TimeSpan.FromSeconds(5)).InvokeAsync(new AIFunctionArguments { ["quantity"] = 11 }));

        Assert.Equal(0, calls);
        Assert.Contains("$.quantity", result);
        Assert.Contains("maximum", result);
    }

    [Fact]
    public async Task A_tool_over_its_timeout_is_rejected_even_when_it_ignores_cancellation()
    {
        var release = new TaskCompletionSource();
        AIFunction slow = AIFunctionFactory.Create(async () => { await release.Task; return "late"; }, "slow_lookup");
        try
        {
            ToolOutputViolationException ex = await Assert.ThrowsAsync<ToolOutputViolationException>(() =>
                ThrowingPolicy(slow.WithTimeout(TimeSpan.FromMilliseconds(50))).InvokeAsync(new AIFunctionArguments()).AsTask());

            Assert.Equal("timeout", Assert.Single(ex.Violations).Kind);
        }
        finally
        {
            release.SetResult();
        }
    }

    [Fact]
    public async Task A_transient_failure_is_retried_for_a_tool_marked_safe_to_retry()
    {
        int calls = 0;
        AIFunction flaky = AIFunctionFactory.Create(() => ++calls == 1 ? throw new HttpRequestException("connection reset") : ValidOrder, "get_order");

        object? result = await flaky.WithOutputContract(ToolTestJsonContext.Default.Order).WithRetry(2, TimeSpan.Zero).InvokeAsync(new AIFunctionArguments());

        Assert.Equal(2, calls);
        Assert.Equal(1042, Assert.IsType<JsonElement>(result).GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task A_transient_failure_is_not_retried_for_a_tool_not_marked()
    {
        int calls = 0;
        AIFunction flaky = AIFunctionFactory.Create(() => ++calls == 1 ? throw new HttpRequestException("connection reset") : ValidOrder, "create_order");

        await Assert.ThrowsAsync<HttpRequestException>(() => flaky.WithOutputContract(ToolTestJsonContext.Default.Order).InvokeAsync(new AIFunctionArguments()).AsTask());

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_non_transient_failure_is_not_retried()
    {
        int calls = 0;
        AIFunction broken = AIFunctionFactory.Create(() => { calls++; throw new InvalidOperationException("bug"); }, "get_order");

        await Assert.ThrowsAsync<InvalidOperationException>(() => broken.WithRetry(3, TimeSpan.Zero).InvokeAsync(new AIFunctionArguments()).AsTask());

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_a_rejection()
    {
        using var cts = new CancellationTokenSource();
        AIFunction slow = AIFunctionFactory.Create(async (CancellationToken ct) => { await Task.Delay(Timeout.Infinite, ct); return "never"; }, "slow");
        Task<object?> call = slow.WithTimeout(TimeSpan.FromMinutes(1)).InvokeAsync(new AIFunctionArguments(), cts.Token).AsTask();

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public void Settings_chain_on_the_original_function_and_keep_its_declaration()
    {
        AIFunction original = Returning(() => ValidOrder);

        GovernedAIFunction governed = original
            .WithOutputContract(ToolTestJsonContext.Default.Order)
            .WithTimeout(TimeSpan.FromSeconds(3))
            .WithMaxOutputBytes(2048)
            .AsIdempotent("id");

        Assert.Same(original, governed.Inner);
        Assert.Equal(original.Name, governed.Name);
        Assert.Equal(original.Description, governed.Description);
        Assert.Equal(original.JsonSchema.GetRawText(), governed.JsonSchema.GetRawText());
        Assert.True(governed.HasOutputContract);
        Assert.Equal(TimeSpan.FromSeconds(3), governed.Timeout);
        Assert.Equal(2048, governed.MaxOutputBytes);
        Assert.True(governed.IsIdempotent);
        Assert.Equal(["id"], governed.IdempotencyKeyArguments);
        Assert.Equal(0, governed.MaxRetryAttempts); // idempotent is not safe to retry: a timed-out side effect may still run
        Assert.Equal(2, governed.WithRetry(2).MaxRetryAttempts);
    }

    [Fact]
    public void Bad_settings_are_rejected_up_front()
    {
        AIFunction tool = Returning(() => ValidOrder);

        Assert.Throws<ArgumentOutOfRangeException>(() => tool.WithTimeout(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => tool.WithMaxOutputBytes(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tool.WithRetry(0));
        Assert.Throws<ArgumentException>(() => tool.AsIdempotent(" "));
        Assert.Throws<ArgumentException>(() => tool.WithOutputSchema(JsonDocument.Parse("[1]").RootElement));
        Assert.Throws<ArgumentException>(() => tool.WithOutputSchema(JsonDocument.Parse("""{"type":"banana"}""").RootElement));
        Assert.Throws<ArgumentNullException>(() => ((AIFunction)null!).WithTimeout(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Reflection_and_options_overloads_read_the_same_contract()
    {
        AIFunction tool = Returning(() => """{"id":1,"sku":"A","bogus":1}""");
#pragma warning disable IL2026, IL3050
        GovernedAIFunction byReflection = tool.WithOutputContract<Order>();
#pragma warning restore IL2026, IL3050
        GovernedAIFunction byOptions = tool.WithOutputContract<Order>(ToolTestJsonContext.Default.Options);

        Assert.Contains("unknownMember", Text(await byReflection.InvokeAsync(Args())));
        Assert.Contains("unknownMember", Text(await byOptions.InvokeAsync(Args())));
    }

    [Fact]
    public async Task Idempotent_tool_runs_and_returns_its_output()
    {
        int calls = 0;
        GovernedAIFunction tool = Returning(() => ValidOrder, name: "refund_order", onCall: () => calls++)
            .WithOutputContract(ToolTestJsonContext.Default.Order)
            .AsIdempotent("id");

        object? result = await tool.InvokeAsync(Args(5));

        Assert.Equal(1, calls);
        Assert.Equal(1042, Assert.IsType<JsonElement>(result).GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Output_over_the_token_cap_is_rejected_and_a_short_one_passes()
    {
        string words = string.Join(' ', Enumerable.Repeat("delivery", 300));
        GovernedAIFunction ok = Returning(() => "sunny, 21 degrees").WithMaxOutputTokens(20);
        GovernedAIFunction tooLong = Returning(() => words).WithMaxOutputTokens(100);

        Assert.Equal("sunny, 21 degrees", Text(await ok.InvokeAsync(Args())).Trim('"'));
        string rejected = Text(await tooLong.InvokeAsync(Args()));
        Assert.Contains("too_large", rejected);
        Assert.Contains("the cap is 100", rejected);
        Assert.DoesNotContain("delivery delivery", rejected);
    }

    [Fact]
    public void Token_cap_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Returning(() => "x").WithMaxOutputTokens(0));
    }

    [Fact]
    public async Task Idempotent_tool_called_twice_with_the_same_key_runs_once_and_replays()
    {
        int calls = 0;
        GovernedAIFunction tool = Returning(() => ValidOrder, name: "refund_order_once", onCall: () => calls++).AsIdempotent("id");

        object? first = await tool.InvokeAsync(Args(5));
        object? second = await tool.InvokeAsync(Args(5));

        Assert.Equal(1, calls);
        Assert.Equal(Text(first), Text(second));
    }

    [Fact]
    public async Task Idempotent_key_uses_only_the_named_arguments()
    {
        int calls = 0;
        AIFunction inner = AIFunctionFactory.Create((int id, string reason) => { calls++; return "refunded"; }, "refund_with_reason");
        GovernedAIFunction tool = inner.AsIdempotent("id");

        await tool.InvokeAsync(new AIFunctionArguments { ["id"] = 5, ["reason"] = "damaged" });
        await tool.InvokeAsync(new AIFunctionArguments { ["id"] = 5, ["reason"] = "it arrived damaged" });

        Assert.Equal(1, calls);
    }

    internal static GovernedAIFunction ThrowingPolicy(GovernedAIFunction tool) =>
        new(tool.Inner, tool.Policy, new ToolRuntime(tool.Inner, tool.Policy.WithDefaults(tool.Name, Throwing), Throwing), ToolCallScope.Detached);

    private static readonly ToolGovernanceOptions Throwing = new() { OnRejection = ToolRejectionPolicy.Throw };

    /// <summary>A function with a hand-written parameter schema.</summary>
    internal sealed class SchemaFunction(string name, JsonElement schema, Func<object?> body) : AIFunction
    {
        public override string Name => name;

        public override JsonElement JsonSchema => schema;

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) => new(body());
    }
}
