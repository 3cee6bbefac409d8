using System.Text.Json;
using Contracts.Ai;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Contracts.Ai.Tests.Tools.ToolTestData;

namespace Contracts.Ai.Tests.Tools;

/// <summary>Side effects that outlive their timeout, huge outputs and deep arguments stay bounded.</summary>
public class ToolRunawayTests
{
    /// <summary>A side-effecting tool that hangs until released and ignores cancellation, counting how often it starts.</summary>
    private sealed class HungPayment
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public AIFunction Function => AIFunctionFactory.Create(
            async (string to, int amount) =>
            {
                Interlocked.Increment(ref _runs);
                await _release.Task; // ignores cancellation, as a stuck payment gateway would
                return $"paid {amount} to {to}";
            },
            "send_payment");

        public void Release() => _release.TrySetResult();
    }

    private static AIFunctionArguments Payment(string to) => new() { ["to"] = to, ["amount"] = 5000 };

    private static string KindOf(object? result)
    {
        using JsonDocument error = JsonDocument.Parse(Text(result));
        return error.RootElement.GetProperty("violations")[0].GetProperty("kind").GetString()!;
    }

    private static async Task<object?> ReplayAsync(AIFunction tool, AIFunctionArguments arguments)
    {
        // The abandoned attempt completes its claim on its own; a repeat then replays it.
        for (int i = 0; i < 200; i++)
        {
            object? result = await tool.InvokeAsync(arguments);
            if (Text(result).Contains("paid", StringComparison.Ordinal))
            {
                return result;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("the abandoned attempt never completed its claim");
    }

    [Fact]
    public async Task An_idempotent_tool_that_outlives_its_timeout_runs_once_through_repeats_retries_and_duplicates()
    {
        var payment = new HungPayment();
        GovernedAIFunction tool = payment.Function.AsIdempotent("to").WithTimeout(TimeSpan.FromMilliseconds(100)).WithRetry(3, TimeSpan.Zero);
        AIFunctionArguments arguments = Payment("acct-" + Guid.NewGuid().ToString("N"));

        Assert.Equal("timeout", KindOf(await tool.InvokeAsync(arguments)));
        Assert.Equal("timeout", KindOf(await tool.InvokeAsync(arguments)));
        object?[] duplicates = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => tool.InvokeAsync(arguments).AsTask()));

        Assert.All(duplicates, d => Assert.Equal("timeout", KindOf(d)));
        Assert.Equal(1, payment.Runs);

        payment.Release();
        object? replayed = await ReplayAsync(tool, arguments);

        Assert.Contains("paid 5000", Text(replayed));
        Assert.Equal(1, payment.Runs);
    }

    [Fact]
    public async Task A_repeat_while_the_first_still_runs_gets_the_in_progress_error_when_it_waits_longer_than_allowed()
    {
        var payment = new HungPayment();
        var coordinator = new IdempotencyCoordinator(new InMemoryIdempotencyStore(), new IdempotencyOptions { InProgressWait = TimeSpan.FromMilliseconds(50) }, TimeProvider.System);
        GovernedAIFunction configured = payment.Function.AsIdempotent("to").WithTimeout(TimeSpan.FromSeconds(30));
        var tool = new GovernedAIFunction(configured.Inner, configured.Policy, configured.Runtime, new ToolCallScope(null, null, coordinator, null, bound: false));
        AIFunctionArguments arguments = Payment("acct-1");

        Task<object?> first = tool.InvokeAsync(arguments).AsTask();
        await WaitUntilAsync(() => payment.Runs == 1);

        await Assert.ThrowsAsync<IdempotencyInProgressException>(() => tool.InvokeAsync(arguments).AsTask());
        payment.Release();
        Assert.Contains("paid", Text(await first));
        Assert.Equal(1, payment.Runs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Through_the_tool_loop_a_timed_out_idempotent_tool_is_not_retried_or_run_again(bool streaming)
    {
        var payment = new HungPayment();
        string account = "acct-" + Guid.NewGuid().ToString("N");
        var call = new Dictionary<string, object?> { ["to"] = account, ["amount"] = 5000 };
        var model = new ScriptedChatClient(ScriptedTurn.CallTool("send_payment", call), ScriptedTurn.CallTool("send_payment", call), ScriptedTurn.Reply("gave up"));
        var services = new ServiceCollection();
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi(o =>
        {
            o.Tools.IdempotentTools.Add("send_payment");
            o.Tools.DefaultTimeout = TimeSpan.FromMilliseconds(100);
        });
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { Tools = [payment.Function] }.WithIdempotencyKey("checkout-" + account);

        ChatResponse response = streaming
            ? await client.GetStreamingResponseAsync("pay", options).ToChatResponseAsync()
            : await client.GetResponseAsync("pay", options);

        Assert.Equal("gave up", response.Text);
        Assert.Equal(1, payment.Runs);
        payment.Release();
    }

    [Fact]
    public void Idempotent_is_no_longer_retried_by_itself()
    {
        GovernedAIFunction tool = Returning(() => "x").AsIdempotent();

        Assert.Equal(0, tool.MaxRetryAttempts);
    }

    /// <summary>A function that hands back an output made before the measurement, so only the governed reading is measured.</summary>
    private sealed class PrebuiltOutput(object output) : AIFunction
    {
        public override string Name => "export";

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) => new(output);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("text-with-contract")]
    [InlineData("json-string")]
    [InlineData("object")]
    public async Task A_100_MB_tool_result_is_rejected_while_reading_without_allocating_anything_like_it(string shape)
    {
        const int Size = 100_000_000;
        object output = shape switch
        {
            "json-string" => JsonSerializer.SerializeToElement(new string('x', Size / 4)),
            "object" => new Dictionary<string, string> { ["rows"] = new string('x', Size / 4) },
            _ => new string('x', Size),
        };
        AIFunction function = new PrebuiltOutput(output);
        GovernedAIFunction tool = shape == "text-with-contract"
            ? function.WithOutputSchema(JsonDocument.Parse("""{"type":"object"}""").RootElement)
            : function.WithTimeout(TimeSpan.FromSeconds(30));
        await tool.InvokeAsync(new AIFunctionArguments { }); // warm up code paths and caches
        var arguments = new AIFunctionArguments();

        long before = GC.GetAllocatedBytesForCurrentThread();
        ValueTask<object?> pending = tool.InvokeAsync(arguments);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        object? result = await pending;

        Assert.True(pending.IsCompleted);
        Assert.Equal("maxBytes", KindOf(result));
        Assert.True(allocated < 2_000_000, $"reading the {shape} output allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task Arguments_nested_deeper_than_64_levels_are_a_typed_argument_violation_when_invoked_directly()
    {
        string deep = new string('[', 100) + "1" + new string(']', 100);
        JsonElement value = JsonDocument.Parse(deep, new JsonDocumentOptions { MaxDepth = 256 }).RootElement;
        GovernedAIFunction tool = GovernedAIFunctionTests.ThrowingPolicy(AIFunctionFactory.Create((JsonElement data) => "ok", "ingest").WithTimeout(TimeSpan.FromSeconds(5)));

        ToolArgumentViolationException ex = await Assert.ThrowsAsync<ToolArgumentViolationException>(
            () => tool.InvokeAsync(new AIFunctionArguments { ["data"] = value }).AsTask());

        Assert.Equal("ingest", ex.ToolName);
        Assert.Contains(ex.Violations, v => v.Kind is "maxDepth" or "type");
        string shallow = new string('[', 60) + "1" + new string(']', 60);
        Assert.Equal("ok", Text(await tool.InvokeAsync(new AIFunctionArguments { ["data"] = JsonDocument.Parse(shallow).RootElement })).Trim('"'));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
