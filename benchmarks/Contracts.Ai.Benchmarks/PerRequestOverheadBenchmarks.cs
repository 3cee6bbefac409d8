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
/// Run: dotnet run -c Release --project benchmarks/Contracts.Ai.Benchmarks -- --filter '*PerRequestOverhead*'
/// </para>
/// <para>
/// The anchor is MEAI's own <c>UseFunctionInvocation()</c> + <c>UseOpenTelemetry()</c> pair over the same
/// model with the same per-request options: <c>MeaiPair</c> builds exactly the options <c>TwoTools</c> builds
/// (two tools, the contract and its inputs, tenant and user), which the pair ignores but the caller still pays for;
/// <c>MeaiPairToolsOnly</c> builds only the tools, as the anchor did before. The budget is
/// <c>TwoTools &lt;= 4 x MeaiPair</c> (overhead over <c>Bare</c>), at most 4 KB allocated beyond the bare call,
/// and <c>TenTools &lt;= 2 x TwoTools</c>.
/// <c>TwoToolsCreatedPerRequest</c> creates its tools inside the request, as a handler that closes over
/// request state does.
/// </para>
/// </remarks>
[MemoryDiagnoser]
public class PerRequestOverheadBenchmarks
{
    private const string ContractId = "bench.per-request";

    private static readonly ScriptedTurn Answer = ScriptedTurn.Reply("Your order ships tomorrow.").WithUsage(900, 12);
    private static readonly Dictionary<string, object?> Inputs = new() { ["product"] = "Contoso" };

    private List<ChatMessage> _messages = null!;
    private AIFunction[] _twoTools = null!;
    private AIFunction[] _tenTools = null!;
    private IChatClient _bare = null!;
    private IChatClient _meaiPair = null!;
    private IChatClient _governed = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
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
            Id = ContractId,
            Version = "1.0.0",
            Template = "You are a support agent for {{product}}. Answer briefly and use the tools for order questions.",
            Inputs = [new ContractInput { Name = "product" }],
        });
        _services = services.BuildServiceProvider();
        _governed = _services.GetRequiredService<IChatClient>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meaiPair.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools });

    [Benchmark]
    public Task<ChatResponse> MeaiPair() =>
        _meaiPair.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools }.WithContract(ContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    public Task<ChatResponse> MeaiPairToolsOnly() => _meaiPair.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools });

    [Benchmark]
    public Task<ChatResponse> NoTools() =>
        _governed.GetResponseAsync(_messages, new ChatOptions().WithContract(ContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    public Task<ChatResponse> TwoTools() =>
        _governed.GetResponseAsync(_messages, new ChatOptions { Tools = _twoTools }.WithContract(ContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    public Task<ChatResponse> TenTools() =>
        _governed.GetResponseAsync(_messages, new ChatOptions { Tools = _tenTools }.WithContract(ContractId, Inputs).WithTenant("bench-tenant", "user-1"));

    [Benchmark]
    public Task<ChatResponse> TwoToolsCreatedPerRequest() =>
        _governed.GetResponseAsync(_messages, new ChatOptions { Tools = Tools(2) }.WithContract(ContractId, Inputs).WithTenant("bench-tenant", "user-1"));

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
}
