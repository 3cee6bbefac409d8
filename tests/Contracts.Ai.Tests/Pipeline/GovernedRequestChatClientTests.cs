using System.Diagnostics;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Telemetry;
using Microsoft.Extensions.AI;
using OpenTelemetry.Metrics;

namespace Contracts.Ai.Tests.Pipeline;

[Collection(TelemetryCollection.Name)]
public class GovernedRequestChatClientTests
{
    private static readonly Dictionary<string, object?> OrderArguments = new() { ["orderId"] = "A-1001" };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_governed_call_with_tools_nests_under_the_app_span_and_holds_MEAIs_spans(bool streaming)
    {
        using var capture = new TelemetryCapture();
        var scripted = new ScriptedChatClient(
            ScriptedTurn.CallTool("lookup_order", OrderArguments).WithUsage(10, 2),
            ScriptedTurn.Reply("Order A-1001 ships tomorrow.").WithUsage(20, 5));
        using IChatClient client = new ChatClientBuilder(scripted)
            .UseGovernedAi()
            .UseFunctionInvocation()
            .UseOpenTelemetry(sourceName: TelemetryCapture.MeaiSource)
            .Build();
        AIFunction tool = AIFunctionFactory.Create((string orderId) => $"order {orderId}: shipped", "lookup_order");

        ChatResponse response;
        string appSpanId;
        using (Activity app = TelemetryCapture.App.StartActivity("POST /ask")!)
        {
            appSpanId = app.SpanId.ToHexString();
            response = await client.AskAsync(streaming, "Where is my order?", new ChatOptions { Tools = [tool] });
        }

        Assert.Equal("Order A-1001 ships tomorrow.", response.Text);
        Activity root = capture.Single("contracts_ai.request");
        Assert.Equal(appSpanId, root.ParentSpanId.ToHexString());
        Assert.Equal(ActivityKind.Internal, root.Kind);

        List<Activity> chats = capture.Spans.Where(s => s.DisplayName.StartsWith("chat", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, chat => Assert.True(IsUnder(capture.Spans, chat, root), $"{chat.DisplayName} is not under the request span"));
        Activity executeTool = Assert.Single(capture.Spans, s => s.DisplayName == "execute_tool lookup_order");
        Assert.True(IsUnder(capture.Spans, executeTool, root));

        // Tool governance and budgeting add their own spans: each tool span sits under MEAI's execute_tool span, each budget pass under the request.
        foreach (Activity toolSpan in capture.Spans.Where(s => s.DisplayName == "contracts_ai.tool lookup_order"))
        {
            Assert.Equal(executeTool.SpanId, toolSpan.ParentSpanId);
            Assert.Equal("lookup_order", toolSpan.GetTagItem("gen_ai.tool.name"));
            Assert.Equal("ok", toolSpan.GetTagItem("contracts_ai.tool.outcome"));
        }

        foreach (Activity budget in capture.Spans.Where(s => s.DisplayName == "contracts_ai.budget"))
        {
            Assert.True(IsUnder(capture.Spans, budget, root));
        }

        Assert.Equal("ok", root.GetTagItem("contracts_ai.outcome"));
        Assert.Equal(30L, root.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(7L, root.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(ActivityStatusCode.Unset, root.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_request_span_carries_what_the_stages_decided(bool streaming)
    {
        using var capture = new TelemetryCapture();
        using IChatClient client = RootOver(new ScriptedChatClient(ScriptedTurn.Reply("Done.").WithUsage(12, 3)), RecordDecisions);

        await client.AskAsync(streaming, "Reset my password", new ChatOptions().WithContract("support.answer").WithTenant("acme", "u-7"));

        Activity root = capture.Single("contracts_ai.request");
        Assert.Equal("support.answer", root.GetTagItem("contracts_ai.contract.id"));
        Assert.Equal("1.2.0", root.GetTagItem("contracts_ai.contract.version"));
        Assert.Equal("canary", root.GetTagItem("contracts_ai.variant"));
        Assert.Equal("production", root.GetTagItem("contracts_ai.contract.label"));
        Assert.Equal("reasked", root.GetTagItem("contracts_ai.validation.outcome"));
        Assert.Equal(2, root.GetTagItem("contracts_ai.validation.attempts"));
        Assert.Equal("executed", root.GetTagItem("contracts_ai.idempotency.outcome"));
        Assert.Equal("acme", root.GetTagItem("contracts_ai.tenant.id"));
        Assert.Equal("ok", root.GetTagItem("contracts_ai.outcome"));
        Assert.Equal(12L, root.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(3L, root.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Null(root.GetTagItem("gen_ai.input.messages"));
        Assert.Null(root.GetTagItem("gen_ai.output.messages"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Request_duration_is_recorded_with_contract_variant_and_outcome_tags(bool streaming)
    {
        using var capture = new TelemetryCapture(traces: false);
        using IChatClient client = RootOver(
            new ScriptedChatClient(ScriptedTurn.Reply("one"), ScriptedTurn.Reply("two"), ScriptedTurn.Fail(new InvalidOperationException("boom"))),
            RecordDecisions);

        await client.AskAsync(streaming, "a");
        await client.AskAsync(streaming, "b");
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.AskAsync(streaming, "c"));

        IReadOnlyList<MetricPoint> points = capture.Points("contracts_ai.request.duration");
        MetricPoint ok = Assert.Single(points, p => Equals(TelemetryCapture.Tags(p)["contracts_ai.outcome"], "ok"));
        Dictionary<string, object?> tags = TelemetryCapture.Tags(ok);
        Assert.Equal("support.answer", tags["contracts_ai.contract.id"]);
        Assert.Equal("1.2.0", tags["contracts_ai.contract.version"]);
        Assert.Equal("canary", tags["contracts_ai.variant"]);
        Assert.Equal(2, ok.GetHistogramCount());
        MetricPoint error = Assert.Single(points, p => Equals(TelemetryCapture.Tags(p)["contracts_ai.outcome"], "error"));
        Assert.Equal(1, error.GetHistogramCount());
    }

    [Fact]
    public void Contract_tags_are_bounded_so_unbounded_ids_cannot_flood_the_backend()
    {
        var limiter = new ContractMetricTags(maxCombinations: 2);
        TagList Tags(string id)
        {
            var tags = default(TagList);
            limiter.AddTags(ref tags, id, "1.0.0", "stable");
            return tags;
        }

        Assert.Equal(3, Tags("a").Count);
        Assert.Equal(3, Tags("b").Count);
        TagList overflow = Tags("c");
        Assert.Equal(KeyValuePair.Create("contracts_ai.contract.id", (object?)"_other"), Assert.Single(overflow));
        Assert.Equal("a", Tags("a")[0].Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_provider_error_is_recorded_without_its_message_and_rethrown_unchanged(bool streaming)
    {
        using var capture = new TelemetryCapture();
        var failure = new InvalidOperationException("card 4111 1111 1111 1111 was declined");
        using IChatClient client = RootOver(new ScriptedChatClient(ScriptedTurn.Fail(failure)), RecordDecisions);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => client.AskAsync(streaming, "pay"));

        Assert.Same(failure, thrown);
        Activity root = capture.Single("contracts_ai.request");
        Assert.Equal(ActivityStatusCode.Error, root.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, root.GetTagItem("error.type"));
        Assert.Equal("error", root.GetTagItem("contracts_ai.outcome"));
        Assert.DoesNotContain("4111", root.StatusDescription ?? string.Empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancelled_call_is_recorded_as_cancelled(bool streaming)
    {
        using var capture = new TelemetryCapture();
        using IChatClient client = RootOver(new ScriptedChatClient(ScriptedTurn.Reply("late").WithDelay(TimeSpan.FromMinutes(5))), RecordDecisions);
        using var cts = new CancellationTokenSource();
        Task<ChatResponse> call = client.AskAsync(streaming, "slow", cancellationToken: cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Activity root = capture.Single("contracts_ai.request");
        Assert.Equal("cancelled", root.GetTagItem("contracts_ai.outcome"));
        Assert.Equal(ActivityStatusCode.Error, root.Status);
    }

    [Fact]
    public async Task A_stream_abandoned_by_its_reader_ends_the_span_as_cancelled()
    {
        using var capture = new TelemetryCapture();
        using IChatClient client = RootOver(new ScriptedChatClient(ScriptedTurn.Reply("one two three four")), RecordDecisions);

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("count"))
        {
            Assert.Equal("one", update.Text);
            break;
        }

        Assert.Equal("cancelled", capture.Single("contracts_ai.request").GetTagItem("contracts_ai.outcome"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unobserved_call_passes_straight_through_without_call_state(bool streaming)
    {
        GovernedCall? seen = null;
        var scripted = new ScriptedChatClient(ScriptedTurn.Reply("fine"));
        using IChatClient client = RootOver(scripted, call => seen = call);
        var options = new ChatOptions().WithTenant("acme");

        ChatResponse response = await client.AskAsync(streaming, "hello", options);

        Assert.Equal("fine", response.Text);
        Assert.Null(seen);
        // The governance data is taken off the options on the way in: the inner client gets a copy without it.
        Assert.Null(Assert.Single(scripted.Requests).Options!.AdditionalProperties);
        Assert.Equal("acme", options.GetGovernanceContext()!.TenantId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_calls_each_get_their_own_span_and_decisions(bool streaming)
    {
        using var capture = new TelemetryCapture();
        using IChatClient client = RootOver(
            new ScriptedChatClient(request => ScriptedTurn.Reply("answer to " + request.Messages[^1].Text)),
            call => call.Record!.ForContract().Resolved(call.Context!.TenantId!, "1.0.0", null, call.Record.Activity));

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => client.AskAsync(streaming, "q" + i, new ChatOptions().WithTenant("t" + i)))));

        List<Activity> roots = capture.Spans.Where(s => s.DisplayName == "contracts_ai.request").ToList();
        Assert.Equal(50, roots.Count);
        Assert.Equal(50, roots.Select(r => r.GetTagItem("contracts_ai.tenant.id")).Distinct().Count());
        Assert.All(roots, root => Assert.Equal(root.GetTagItem("contracts_ai.tenant.id"), root.GetTagItem("contracts_ai.contract.id")));
    }

    internal static void RecordDecisions(GovernedCall call)
    {
        CallRecord record = call.Record!;
        record.ForRouting().Routed("production", "canary", record.Activity);
        record.ForContract().Resolved("support.answer", "1.2.0", null, record.Activity);
        record.ForContract().Validated("reasked", 2, record.Activity);
        record.ForIdempotency().Decided("executed", record.Activity);
    }

    internal static IChatClient RootOver(IChatClient model, Action<GovernedCall> stage, GovernedAiOptions? options = null, IServiceProvider? services = null) =>
        GovernedRequestChatClient.Create(new RecordingStage(model, stage), options ?? new GovernedAiOptions { EnableSensitiveData = false }, services);

    private static bool IsUnder(IReadOnlyList<Activity> spans, Activity span, Activity ancestor)
    {
        Dictionary<ActivitySpanId, Activity> byId = spans.ToDictionary(s => s.SpanId);
        for (ActivitySpanId parent = span.ParentSpanId; parent != default && byId.TryGetValue(parent, out Activity? next); parent = next.ParentSpanId)
        {
            if (next.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
