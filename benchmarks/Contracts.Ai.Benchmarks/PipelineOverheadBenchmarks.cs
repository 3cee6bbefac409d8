using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts.Ai;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// What the governed pipeline costs per call over the bare model client: 20 messages, a contract and
/// two tools, first with nothing listening (budget: 5 us, 4 KB), then with an OpenTelemetry SDK
/// sampling every span and recording every metric (budget: 15 us).
/// </summary>
/// <remarks>
/// <para>
/// Run: dotnet run -c Release --project benchmarks/Contracts.Ai.Benchmarks -- --filter '*PipelineOverhead*'
/// Each case runs in its own process, so the listener of the last case never reaches the others.
/// </para>
/// <para>
/// Two groups, each with its own baseline: <c>ReusedOptions</c> (these cases: one options object for every call) and
/// <c>PerRequest</c> (options built per request, as apps build them; see PipelineOverheadBenchmarks.PerRequest.cs).
/// </para>
/// </remarks>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public partial class PipelineOverheadBenchmarks
{
    private const string ReusedOptions = "ReusedOptions";

    private const string ContractId = "bench.support-answer";

    private static readonly ScriptedTurn Answer = ScriptedTurn.Reply("Your order ships tomorrow.").WithUsage(900, 12);

    private List<ChatMessage> _messages = null!;
    private IChatClient _bare = null!;
    private IChatClient _governed = null!;
    private ServiceProvider _services = null!;
    private ChatOptions _bareOptions = null!;
    private ChatOptions _governedOptions = null!;
    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    [GlobalSetup(Targets = [nameof(BareClient), nameof(GovernedPipeline)])]
    public void Setup() => Build();

    [GlobalSetup(Target = nameof(GovernedPipelineWithListener))]
    public void SetupWithListener()
    {
        _tracing = Sdk.CreateTracerProviderBuilder()
            .SetSampler(new AlwaysOnSampler())
            .AddSource(GovernedAiTelemetry.SourceName)
            .Build();
        _metrics = Sdk.CreateMeterProviderBuilder()
            .AddMeter(GovernedAiTelemetry.SourceName)
            .AddReader(new PeriodicExportingMetricReader(new DiscardingExporter(), exportIntervalMilliseconds: 60_000))
            .Build();
        Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _governed.Dispose();
        _services.Dispose();
        _meaiPair?.Dispose();
        _tracing?.Dispose();
        _metrics?.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(ReusedOptions)]
    public Task<ChatResponse> BareClient() => _bare.GetResponseAsync(_messages, _bareOptions);

    [Benchmark]
    [BenchmarkCategory(ReusedOptions)]
    public Task<ChatResponse> GovernedPipeline() => _governed.GetResponseAsync(_messages, _governedOptions);

    [Benchmark]
    [BenchmarkCategory(ReusedOptions)]
    public Task<ChatResponse> GovernedPipelineWithListener() => _governed.GetResponseAsync(_messages, _governedOptions);

    private void Build()
    {
        _messages = Conversation(20);
        // Neither model keeps a request history: over millions of calls it would only measure the GC.
        _bare = new ScriptedChatClient(_ => Answer) { RequestHistoryLimit = 0 };
        AIFunction[] tools =
        [
            AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order", "Looks up an order by id."),
            AIFunctionFactory.Create((string orderId, int amount) => "refunded", "refund_order", "Refunds an order."),
        ];
        _bareOptions = new ChatOptions { Tools = tools };

        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(_ => Answer) { RequestHistoryLimit = 0 });
        _services = services.BuildServiceProvider();
        _governed = _services.GetRequiredService<IChatClient>();
        _governedOptions = new ChatOptions { Tools = tools }.WithTenant("bench-tenant");

        // The contract applies wherever a prompt registry is registered by AddGovernedAi().
        if (_services.GetService<IPromptRegistry>() is { } registry)
        {
            registry.Register(new PromptContract
            {
                Id = ContractId,
                Version = "1.0.0",
                Template = "You are a support agent for {{product}}. Answer briefly and use the tools for order questions.",
                Inputs = [new ContractInput { Name = "product" }],
                AllowedTools = ["lookup_order", "refund_order"],
            });
            _governedOptions.WithContract(ContractId, new Dictionary<string, object?> { ["product"] = "Contoso" });
        }
    }

    private static List<ChatMessage> Conversation(int count)
    {
        var messages = new List<ChatMessage>(count) { new(ChatRole.System, "You are a helpful support agent for Contoso.") };
        for (int i = 1; i < count; i++)
        {
            messages.Add(i % 2 == 1
                ? new ChatMessage(ChatRole.User, $"Question {i}: my order A-{1000 + i} has not arrived yet and the tracking page shows no update since Monday. Can you check it?")
                : new ChatMessage(ChatRole.Assistant, $"Answer {i}: I checked order A-{1000 + i - 1}; it left the warehouse yesterday and should arrive within two working days."));
        }

        return messages;
    }

    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
