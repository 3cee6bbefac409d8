using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Audit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Contracts.Ai.Tests.Routing;

/// <summary>Shadow answers validated (final and tool-calling), compared with the primary's, in metrics and the audit, and counted toward the shadow version's health.</summary>
public class ShadowScoringTests
{
    private const string Contract = "triage";

    [Theory]
    [InlineData("""{"priority":"high"}""", 1.0, "ok")]
    [InlineData("""{"priority":"low"}""", 0.0, "ok")]
    [InlineData("no json here", null, "contract_failure")]
    public async Task A_shadow_answer_is_validated_and_compared_with_the_primary_in_the_audit_and_the_metrics(string shadowAnswer, double? agreement, string shadowOutcome)
    {
        var sink = new DecisionAuditTests.CollectingSink();
        string contract = Contract + "-" + Guid.NewGuid().ToString("N")[..6];
        using var calls = new MetricCollector<long>(null, GovernedAiTelemetry.SourceName, "contracts_ai.shadow.calls");
        await using ServiceProvider provider = Build(contract, sink, request =>
            ProgressiveDeliveryTests.VersionOf(request) == "2.0.0"
                ? ScriptedTurn.Reply(shadowAnswer).WithUsage(120, 30)
                : ScriptedTurn.Reply(ProgressiveDeliveryTests.Good).WithUsage(100, 20));
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        ChatResponse response = await chat.GetResponseAsync("Printer on fire", new ChatOptions().WithContract(contract).WithTenant("acme", "ada"));
        DecisionRecord shadow = await WaitForShadowAsync(sink);

        Assert.Equal(ProgressiveDeliveryTests.Good, response.Text);
        ShadowComparison comparison = shadow.Shadow!;
        Assert.Equal(("1.0.0", "2.0.0", "ok", shadowOutcome), (comparison.PrimaryVersion, comparison.ShadowVersion, comparison.PrimaryOutcome, comparison.ShadowOutcome));
        Assert.Equal(agreement, comparison.Agreement);
        Assert.Equal(120, comparison.PrimaryTokens);
        Assert.Equal(shadowOutcome == "ok" ? 150 : null, comparison.ShadowTokens);
        Assert.Equal(("shadow", "2.0.0"), (shadow.Variant, shadow.ContractVersion));
        DecisionRecord primary = Assert.Single(sink.Records, r => r.Shadow is null && r.Change is null);
        Assert.Equal(primary.TraceId, shadow.TraceId);
        Assert.DoesNotContain(shadowAnswer, comparison.ShadowProblem ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains(calls.GetMeasurementSnapshot(), m =>
            m.Tags[TelemetryNames.Attributes.ContractId] as string == contract &&
            m.Tags["contracts_ai.shadow.outcome"] as string == shadowOutcome &&
            m.Tags["contracts_ai.primary.version"] as string == "1.0.0");
        RolloutVersionHealth health = Assert.Single(provider.GetRequiredService<RolloutManager>().GetHealth(contract), h => h.Version == "2.0.0");
        Assert.Equal((1, shadowOutcome == "ok" ? 0 : 1), (health.ShadowSamples, health.Failures));
    }

    [Theory]
    [InlineData("refund_order", """{"amount":"lots"}""", "tool call 'refund_order': $.amount: the tool does not declare this argument")]
    [InlineData("delete_account", """{"orderId":"1042"}""", "which the contract does not allow")]
    [InlineData("cancel_order", """{"orderId":"1042"}""", "which the request did not offer")]
    public async Task A_tool_calling_shadow_answer_is_validated_against_the_allow_list_the_offered_tools_and_their_arguments(string tool, string arguments, string problem)
    {
        var sink = new DecisionAuditTests.CollectingSink();
        string contract = Contract + "-" + Guid.NewGuid().ToString("N")[..6];
        AIFunction refund = AIFunctionFactory.Create((string orderId) => "refunded", "refund_order");
        AIFunction delete = AIFunctionFactory.Create((string orderId) => "deleted", "delete_account");
        await using ServiceProvider provider = Build(contract, sink, request =>
        {
            if (ProgressiveDeliveryTests.VersionOf(request) != "2.0.0")
            {
                return ScriptedTurn.Reply(ProgressiveDeliveryTests.Good);
            }

            var args = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments)!;
            return ScriptedTurn.CallTool(tool, args);
        }, allowedTools: ["refund_order", "cancel_order"]);
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatOptions options = new ChatOptions().WithContract(contract).WithTenant("acme", "ada");
        options.Tools = [refund, delete];

        await chat.GetResponseAsync("Refund order 1042", options);
        DecisionRecord shadow = await WaitForShadowAsync(sink);

        Assert.NotEqual("ok", shadow.Shadow!.ShadowOutcome);
        Assert.Contains(problem, shadow.Shadow.ShadowProblem, StringComparison.Ordinal);
        Assert.Equal("rejected", shadow.Outcome);
        RolloutVersionHealth health = Assert.Single(provider.GetRequiredService<RolloutManager>().GetHealth(contract), h => h.Version == "2.0.0");
        Assert.Equal(1, health.Failures);
    }

    [Fact]
    public async Task A_valid_tool_call_from_the_shadow_is_compared_with_the_primarys_tool_call()
    {
        var sink = new DecisionAuditTests.CollectingSink();
        string contract = Contract + "-" + Guid.NewGuid().ToString("N")[..6];
        AIFunction refund = AIFunctionFactory.Create((string orderId) => "refunded", "refund_order");
        await using ServiceProvider provider = Build(contract, sink, _ =>
            ScriptedTurn.CallTool("refund_order", new Dictionary<string, object?> { ["orderId"] = "1042" }));
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatOptions options = new ChatOptions().WithContract(contract).WithTenant("acme", "ada");
        options.Tools = [refund];

        await chat.GetResponseAsync("Refund order 1042", options);
        DecisionRecord shadow = await WaitForShadowAsync(sink);

        Assert.Equal(("ok", "ok", 1.0), (shadow.Shadow!.PrimaryOutcome, shadow.Shadow.ShadowOutcome, shadow.Shadow.Agreement));
        Assert.Null(shadow.Shadow.ShadowProblem);
    }

    [Fact]
    public async Task A_broken_shadow_is_rolled_back_and_stops_being_shadowed()
    {
        var sink = new DecisionAuditTests.CollectingSink();
        string contract = Contract + "-" + Guid.NewGuid().ToString("N")[..6];
        int shadowCalls = 0;
        await using ServiceProvider provider = Build(contract, sink, request =>
        {
            if (ProgressiveDeliveryTests.VersionOf(request) == "2.0.0")
            {
                if (!request.Messages.Any(m => m.Text.StartsWith("Your previous answer", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref shadowCalls);
                }

                return ScriptedTurn.Reply(ProgressiveDeliveryTests.Broken);
            }

            return ScriptedTurn.Reply(ProgressiveDeliveryTests.Good);
        });
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        RolloutManager manager = provider.GetRequiredService<RolloutManager>();

        for (int i = 0; i < 200 && !manager.IsRolledBack(contract, "2.0.0"); i++)
        {
            await chat.GetResponseAsync("hi", new ChatOptions().WithContract(contract).WithTenant("acme", $"u{i}"));
            for (int wait = 0; wait < 200 && sink.Records.Count(r => r.Shadow is not null) <= i; wait++)
            {
                await Task.Delay(5);
            }
        }

        Assert.True(manager.IsRolledBack(contract, "2.0.0"));
        int before = Volatile.Read(ref shadowCalls);
        for (int i = 0; i < 20; i++)
        {
            await chat.GetResponseAsync("hi", new ChatOptions().WithContract(contract).WithTenant("acme", $"after{i}"));
        }

        await Task.Delay(100);
        Assert.Equal(before, Volatile.Read(ref shadowCalls));
        Assert.InRange(before, 20, 25);
    }

    private static ServiceProvider Build(string contract, DecisionAuditTests.CollectingSink sink, Func<ScriptedRequest, ScriptedTurn> respond, IList<string>? allowedTools = null)
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(respond))
            .AddContract(Triage(contract, "1.0.0", allowedTools))
            .AddContract(Triage(contract, "2.0.0", allowedTools))
            .SetContractLabel(contract, "production", "1.0.0")
            .AddRollout(contract, r =>
            {
                r.Variants.Add(new RolloutVariant { Version = "1.0.0", Weight = 100 });
                r.ShadowVersion = "2.0.0";
            })
            .AddAuditSink(sink);
        return services.BuildServiceProvider();
    }

    private static PromptContract Triage(string id, string version, IList<string>? allowedTools)
    {
        PromptContract contract = ProgressiveDeliveryTests.Triage(version, ContractFailurePolicy.Reask, c => c.AllowedTools = allowedTools);
        return new PromptContract
        {
            Id = id,
            Version = contract.Version,
            Template = contract.Template,
            OutputSchema = contract.OutputSchema,
            OnFailure = contract.OnFailure,
            MaxReasks = contract.MaxReasks,
            AllowedTools = allowedTools,
        };
    }

    private static async Task<DecisionRecord> WaitForShadowAsync(DecisionAuditTests.CollectingSink sink)
    {
        for (int i = 0; i < 400; i++)
        {
            if (sink.Records.FirstOrDefault(r => r.Shadow is not null) is { } record)
            {
                return record;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("no shadow record within 10 s");
    }
}
