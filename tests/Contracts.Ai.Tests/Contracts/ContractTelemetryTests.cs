using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

[Collection(global::Contracts.Ai.Tests.Telemetry.TelemetryCollection.Name)]
public class ContractTelemetryTests
{
    private static IChatClient Observed(IChatClient inner, IPromptRegistry registry, ILoggerFactory? loggerFactory = null, TimeProvider? time = null) =>
        new ChatClientBuilder(inner)
            .Use((client, _) => GovernedRequestChatClient.Create(client, null, null))
            .Use((client, _) => new ContractEnforcingChatClient(client, registry, new ContractOptions(), loggerFactory, time))
            .Build();

    [Fact]
    public async Task RequestSpan_CarriesContractAndValidationOutcome_AndViolationsAreCountedByKind()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using TracerProvider tracer = Sdk.CreateTracerProviderBuilder().AddSource(GovernedAiTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        using MeterProvider meter = Sdk.CreateMeterProviderBuilder().AddMeter(GovernedAiTelemetry.SourceName).AddInMemoryExporter(metrics).Build();
        var registry = Registry(TicketContract(id: "telemetry.triage", onFailure: ContractFailurePolicy.Reask));
        registry.SetLabel("telemetry.triage", "production", "1.0.0");
        var inner = new ScriptedChatClient(
            ScriptedTurn.Reply("""{"category":"refund","priority":2}"""),
            ScriptedTurn.Reply(ValidTicket));
        IChatClient client = Observed(inner, registry);
        var options = new ChatOptions().WithContract("telemetry.triage", "production", new { customer = "Ada", ticket = "x" });

        await client.GetResponseAsync(Ask(), options);
        await Assert.ThrowsAsync<ContractViolationException>(() => client.GetResponseAsync(Ask(), new ChatOptions().WithContract("telemetry.triage", new { ticket = "x", extra = 1 })));
        tracer.ForceFlush();
        meter.ForceFlush();

        Activity span = spans.First(a => a.OperationName == "contracts_ai.request" && (string?)a.GetTagItem("contracts_ai.validation.outcome") == "reasked");
        Assert.Equal("telemetry.triage", span.GetTagItem("contracts_ai.contract.id"));
        Assert.Equal("1.0.0", span.GetTagItem("contracts_ai.contract.version"));
        Assert.Equal("production", span.GetTagItem("contracts_ai.contract.label"));
        Assert.Equal(2, span.GetTagItem("contracts_ai.validation.attempts"));
        Activity failed = spans.First(a => a.OperationName == "contracts_ai.request" && (string?)a.GetTagItem("contracts_ai.validation.outcome") == "failed");
        Assert.Equal(typeof(ContractViolationException).FullName, failed.GetTagItem("error.type"));

        Dictionary<string, long> byKind = ViolationsByKind(metrics, "telemetry.triage");
        Assert.Equal(1, byKind["output_schema"]);
        Assert.Equal(1, byKind["input_missing"]);
        Assert.Equal(1, byKind["input_unknown"]);
    }

    [Fact]
    public async Task DeprecatedVersion_StillResolves_LogsOnce_AndTagsTheSpan()
    {
        var spans = new List<Activity>();
        using TracerProvider tracer = Sdk.CreateTracerProviderBuilder().AddSource(GovernedAiTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var old = TicketContract(id: "deprecated.triage", version: "1.0.0");
        old.DeprecatedAfter = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
        old.ReplacedBy = "2.0.0";
        var collector = new FakeLogCollector();
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)));
        var inner = new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket));
        IChatClient client = Observed(inner, Registry(old, TicketContract(id: "deprecated.triage", version: "2.0.0")), loggers, time);
        ChatOptions Options() => new ChatOptions().WithContract("deprecated.triage", "1.0.0", new { customer = "Ada", ticket = "x" });

        await client.GetResponseAsync(Ask(), Options());
        await client.GetResponseAsync(Ask(), Options());
        tracer.ForceFlush();

        Assert.Equal(2, inner.CallCount);
        FakeLogRecord warning = Assert.Single(collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("deprecated.triage", warning.Message, StringComparison.Ordinal);
        Assert.Contains("replaced by 2.0.0", warning.Message, StringComparison.Ordinal);
        Assert.Equal(2, spans.Count(a => (string?)a.GetTagItem("contracts_ai.contract.id") == "deprecated.triage" && a.GetTagItem("contracts_ai.contract.deprecated") is true));
    }

    [Fact]
    public async Task NotYetDeprecatedVersion_LogsNothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var contract = TicketContract(id: "future.triage");
        contract.DeprecatedAfter = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var collector = new FakeLogCollector();
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)));
        IChatClient client = Observed(new ScriptedChatClient(ScriptedTurn.Reply(ValidTicket)), Registry(contract), loggers, time);

        await client.GetResponseAsync(Ask(), TicketOptions("future.triage"));

        Assert.DoesNotContain(collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task RenderedPromptHash_IsRecordedForTheAudit_NeverThePrompt()
    {
        IChatClient client = Governed(new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket)), Registry(TicketContract(id: "audit.triage")));
        async Task<GovernedCall> CallAsync(string ticket)
        {
            var call = new GovernedCall { IsObserved = true };
            GovernedCall.Current = call;
            await client.GetResponseAsync(Ask(), new ChatOptions().WithContract("audit.triage", new { customer = "Ada", ticket }));
            return call;
        }

        GovernedCall first = await CallAsync("charged twice");
        GovernedCall same = await CallAsync("charged twice");
        GovernedCall other = await CallAsync("outage");

        Assert.Matches("^[0-9a-f]{16}$", first.Record!.Contract!.RenderedPromptHash);
        Assert.Equal(first.Record!.Contract!.RenderedPromptHash, same.Record!.Contract!.RenderedPromptHash);
        Assert.NotEqual(first.Record!.Contract!.RenderedPromptHash, other.Record!.Contract!.RenderedPromptHash);
        Assert.Equal("passed", first.Record!.Contract!.ValidationOutcome);
        Assert.Equal(("audit.triage", "1.0.0"), (first.Record!.ContractId, first.Record!.ContractVersion));
    }

    private static Dictionary<string, long> ViolationsByKind(List<Metric> metrics, string contractId)
    {
        var result = new Dictionary<string, long>();
        foreach (Metric metric in metrics.Where(m => m.Name == "contracts_ai.contract.violations"))
        {
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (KeyValuePair<string, object?> tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                if ((string?)tags["contracts_ai.contract.id"] == contractId)
                {
                    string kind = (string)tags["contracts_ai.violation.kind"]!;
                    result[kind] = Math.Max(result.GetValueOrDefault(kind), point.GetSumLong());
                }
            }
        }

        return result;
    }
}
