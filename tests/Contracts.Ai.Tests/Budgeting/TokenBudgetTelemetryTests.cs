using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;
using static Contracts.Ai.Tests.Budgeting.BudgetTestConversation;

namespace Contracts.Ai.Tests.Budgeting;

[Collection(global::Contracts.Ai.Tests.Telemetry.TelemetryCollection.Name)]
public class TokenBudgetTelemetryTests
{
    private static readonly ActivitySource TestSource = new("Contracts.Ai.Tests.Budgeting");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_budgeting_pass_records_its_span_metric_and_call_state(bool streaming)
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(GovernedAiTelemetry.SourceName, TestSource.Name)
            .AddInMemoryExporter(exported)
            .Build();
        using var dropped = new MetricCollector<long>(null, GovernedAiTelemetry.SourceName, "contracts_ai.budget.messages_dropped");

        string contractId = "budget-telemetry-" + Guid.NewGuid().ToString("N");
        var call = new GovernedCall { IsObserved = true };
        call.Record!.ForContract().Resolved(contractId, "1.0.0", null, null);
        GovernedCall.Current = call;
        var options = new ChatOptions();
        ChatMessage u1 = User("first"), a1 = Assistant("one"), u2 = User("second"), a2 = Assistant("two"), u3 = User("third");
        List<ChatMessage> messages = [u1, a1, u2, a2, u3];
        int before = Tokens(messages);
        int limit = Tokens([u3]);
        var inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, Window(limit));

        ActivityTraceId traceId;
        using (Activity parent = TestSource.StartActivity("test")!)
        {
            traceId = parent.TraceId;
            await SendAsync(client, inner, messages, options, streaming);
        }

        tracing.ForceFlush();
        Activity budget = Assert.Single(exported, a => a.TraceId == traceId && a.OperationName == "contracts_ai.budget");
        Assert.Equal(limit, budget.GetTagItem("contracts_ai.budget.limit"));
        Assert.Equal(before, budget.GetTagItem("contracts_ai.budget.tokens_before"));
        Assert.Equal(Tokens([u3]), budget.GetTagItem("contracts_ai.budget.tokens_after"));
        Assert.Equal(4, budget.GetTagItem("contracts_ai.budget.messages_dropped"));

        CollectedMeasurement<long> measurement = Assert.Single(dropped.GetMeasurementSnapshot(), m => m.Tags.TryGetValue("contracts_ai.contract.id", out object? id) && Equals(id, contractId));
        Assert.Equal(4, measurement.Value);
        Assert.Equal("1.0.0", measurement.Tags["contracts_ai.contract.version"]);

        BudgetDecision decision = call.Record!.Budget!;
        Assert.Equal(before, decision.TokensBefore);
        Assert.Equal(Tokens([u3]), decision.TokensAfter);
        Assert.Equal(4, decision.MessagesDropped);
    }

    [Fact]
    public async Task A_refused_budget_marks_the_span_as_an_error()
    {
        var exported = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(GovernedAiTelemetry.SourceName, TestSource.Name)
            .AddInMemoryExporter(exported)
            .Build();
        List<ChatMessage> messages = [User("first"), User("second", 100)];
        using var client = new TokenBudgetingChatClient(Inner(), Window(20, BudgetOverflowPolicy.Throw));

        ActivityTraceId traceId;
        using (Activity parent = TestSource.StartActivity("test")!)
        {
            traceId = parent.TraceId;
            await Assert.ThrowsAsync<ContextBudgetExceededException>(() => client.GetResponseAsync(messages));
        }

        tracing.ForceFlush();
        Activity budget = Assert.Single(exported, a => a.TraceId == traceId && a.OperationName == "contracts_ai.budget");
        Assert.Equal(ActivityStatusCode.Error, budget.Status);
        Assert.Equal(typeof(ContextBudgetExceededException).FullName, budget.GetTagItem("error.type"));
    }
}
