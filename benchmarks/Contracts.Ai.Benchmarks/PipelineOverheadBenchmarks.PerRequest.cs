using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// What a governed call costs on the path apps take: a new <see cref="ChatOptions"/> per request
/// (<c>new ChatOptions { Tools = ... }.WithContract(id, inputs).WithTenant(...)</c>), 20 messages of
/// 100-200 characters, a contract with one input, nothing listening, the model answering at once.
/// </summary>
/// <remarks>
/// <para>
/// Run: dotnet run -c Release --project benchmarks/Contracts.Ai.Benchmarks -- --filter '*PipelineOverheadBenchmarks.PerRequest*'
/// </para>
/// <para>
/// The anchor is MEAI's own <c>UseFunctionInvocation()</c> + <c>UseOpenTelemetry()</c> pair over the same
/// model with the same per-request options: <c>PerRequestMeaiPair</c> builds exactly the options <c>PerRequestTwoTools</c>
/// builds (two tools, the contract and its inputs, tenant and user), which the pair ignores but the caller still pays
/// for; <c>PerRequestMeaiPairToolsOnly</c> builds only the tools. The budget is <c>PerRequestTwoTools &lt;= 4 x
/// PerRequestMeaiPair</c> (overhead over <c>PerRequestBare</c>), at most 4 KB allocated beyond the bare call, and
/// <c>PerRequestTenTools &lt;= 2 x PerRequestTwoTools</c>. <c>PerRequestTwoToolsCreatedEachCall</c> creates its tools
/// inside the request, as a handler that closes over request state does (MEAI's <c>AIFunctionFactory.Create</c> included).
/// </para>
/// </remarks>
public partial class PipelineOverheadBenchmarks
{
    private const string PerRequestContractId = "bench.per-request";
    private const string PerRequest = "PerRequest";

    private static readonly Dictionary<string, object?> Inputs = new() { ["product"] = "Contoso" };

    private AIFunction[] _twoTools = null!;
    private AIFunction[] _tenTools = null!;
    private IChatClient? _meaiPair;

    [GlobalSetup(Targets =
    [
        nameof(PerRequestBare), nameof(PerRequestMeaiPair), nameof(PerRequestMeaiPairToolsOnly), nameof(PerRequestNoTools),
        nameof(PerRequestTwoTools), nameof(PerRequestTenTools), nameof(PerRequestTwoToolsCreatedEachCall),
    ])]
    public void SetupPerRequest()
    {
        _messages = Conversation(20);
        _twoTools = Tools(2);
        _tenTools = Tools(10);
        _bare = new ScriptedChatClient(_ => Answer) { RequestHistoryLimit = 0 };
        _meaiPair = new ChatClientBuilder(new ScriptedChatClient(_ => Answer) { RequestHistoryLimit = 0 })
            .UseFunctionInvocation()
            .UseOpenTelemetry()
            .Build();

        var services = new ServiceCollection();
        services.AddChatClient(new ScriptedChatClient(_ => Answer) { RequestHistoryLimit = 0 }).UseFunctionInvocation();
        services.AddGovernedAi().AddContract(new PromptContract
        {
            Id = PerRequestContractId,
            Version = "1.0.0",
            Template = "You are a support agent for {{product}}. Answer briefly and use the tools for order questions.",
            Inputs = [new ContractInput { Name = "product" }],
        });
        _services = services.BuildServiceProvider();
        _governed = _services.GetRequiredService<IChatClient>();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(PerRequest)]
    public Task<ChatResponse> PerRequestBare() => _bare.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools });

    [Benchmark]
    [BenchmarkCategory(PerRequest)]
    public Task<ChatResponse> PerRequestMeaiPair() =>
        _meaiPair!.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools }.WithContract(PerRequestContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    [BenchmarkCategory(PerRequest)]
    public Task<ChatResponse> PerRequestMeaiPairToolsOnly() => _meaiPair!.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools });

    [Benchmark]
    [BenchmarkCategory(PerRequest)]
    public Task<ChatResponse> PerRequestNoTools() =>
        _governed.GetResponseAsync(_messages, new ChatOptions().WithContract(PerRequestContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    [BenchmarkCategory(PerRequest)]
    public Task<ChatResponse> PerRequestTwoTools() =>
        _governed.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools }.WithContract(PerRequestContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    [BenchmarkCategory(PerRequest)]
    public Task<ChatResponse> PerRequestTenTools() =>
        _governed.GetResponseAsync(_messages, new ChatOptions { Tools = _tenTools }.WithContract(PerRequestContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    [BenchmarkCategory(PerRequest)]
    public Task<ChatResponse> PerRequestTwoToolsCreatedEachCall() =>
        _governed.GetResponseAsync(_messages, new ChatOptions { Tools = Tools(2) }.WithContract(PerRequestContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    private static AIFunction[] Tools(int count)
    {
        var tools = new AIFunction[count];
        for (int i = 0; i < count; i++)
        {
            tools[i] = (i % 2) switch
            {
                0 => AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order_" + i, "Looks up an order by id."),
                _ => AIFunctionFactory.Create((string orderId, int amount) => "refunded", "refund_order_" + i, "Refunds an order."),
            };
        }

        return tools;
    }
}
