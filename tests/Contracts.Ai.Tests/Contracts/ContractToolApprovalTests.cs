using System.Text.Json;
using Contracts.Ai;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Audit;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

#pragma warning disable MEAI001 // The approval round trip is MEAI's experimental API; tests drive it as a caller would.

namespace Contracts.Ai.Tests.Contracts;

/// <summary>A tool that needs approval under a contract with an output schema: request, decision, one run, validated answer.</summary>
public class ContractToolApprovalTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","properties":{"status":{"type":"string"}},"required":["status"],"additionalProperties":false}
        """).RootElement.Clone();

    public enum Route
    {
        HighRiskOption,
        ApprovalRequiredFunction,
        ContractRisk,
    }

    public enum Adoption
    {
        AddGovernedAi,
        UseGovernedAi,
    }

    private sealed class Harness : IDisposable
    {
        private readonly ServiceProvider? _provider;

        public Harness(Route route, Adoption adoption)
        {
            Model = new ScriptedChatClient(
                ScriptedTurn.CallTool("refund", new Dictionary<string, object?> { ["orderId"] = 7 }, "call-1"),
                ScriptedTurn.Reply("""{"status":"refunded"}"""));
            var contract = new PromptContract
            {
                Id = "refunds",
                Version = "1.0.0",
                Template = "Handle refunds.",
                OutputSchema = Schema,
                Risk = route == Route.ContractRisk ? ContractRisk.High : ContractRisk.Normal,
            };
            void Configure(GovernedAiOptions o)
            {
                if (route == Route.HighRiskOption)
                {
                    o.Tools.RequireApprovalForHighRiskTools = true;
                    o.Tools.HighRiskTools.Add("refund");
                }
            }

            var services = new ServiceCollection();
            services.AddSingleton<IAuditSink>(Audit);
            if (adoption == Adoption.AddGovernedAi)
            {
                services.AddChatClient(Model).UseFunctionInvocation();
                services.AddGovernedAi(Configure).AddContract(contract);
                _provider = services.BuildServiceProvider();
                Client = _provider.GetRequiredService<IChatClient>();
            }
            else
            {
                services.AddGovernedAi(Configure).AddContract(contract);
                _provider = services.BuildServiceProvider();
                Client = new ChatClientBuilder(Model).UseGovernedAi().UseFunctionInvocation().Build(_provider);
            }

            AIFunction refund = AIFunctionFactory.Create((int orderId) => { Interlocked.Increment(ref _runs); return "refunded " + orderId; }, "refund");
            Tool = route == Route.ApprovalRequiredFunction ? new ApprovalRequiredAIFunction(refund) : refund;
        }

        private int _runs;

        public ScriptedChatClient Model { get; }

        public IChatClient Client { get; }

        public AITool Tool { get; }

        public DecisionAuditTests.CollectingSink Audit { get; } = new();

        public int Runs => Volatile.Read(ref _runs);

        public ChatOptions Options() => new ChatOptions { Tools = [Tool] }.WithContract("refunds");

        public void Dispose()
        {
            Client.Dispose();
            _provider?.Dispose();
        }
    }

    public static TheoryData<Route, Adoption, bool> Cases()
    {
        var data = new TheoryData<Route, Adoption, bool>();
        foreach (Route route in Enum.GetValues<Route>())
        {
            foreach (Adoption adoption in Enum.GetValues<Adoption>())
            {
                data.Add(route, adoption, false);
                data.Add(route, adoption, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Approved_the_tool_runs_once_and_the_final_answer_is_validated(Route route, Adoption adoption, bool streaming)
    {
        using var harness = new Harness(route, adoption);
        var question = new ChatMessage(ChatRole.User, "Refund order 7.");

        ChatResponse first = await harness.Client.AskAsync([question], harness.Options(), streaming);

        ToolApprovalRequestContent request = Assert.Single(first.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>());
        Assert.Equal("refund", Assert.IsType<FunctionCallContent>(request.ToolCall).Name);
        Assert.Equal(0, harness.Runs);

        List<ChatMessage> next = [question, .. first.Messages, new(ChatRole.User, [request.CreateResponse(approved: true)])];
        ChatResponse second = await harness.Client.AskAsync(next, harness.Options(), streaming);

        Assert.Equal(1, harness.Runs);
        Assert.Equal("""{"status":"refunded"}""", second.Text);
        Assert.Contains(harness.Model.Requests[^1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>(), r => r.CallId == "call-1");
        Assert.Equal(2, harness.Audit.Records.Count);
        Assert.Contains(harness.Audit.Records[0].ToolCalls, t => t is { Name: "refund", Outcome: "approval_requested" });
        Assert.Contains(harness.Audit.Records[1].ToolCalls, t => t is { Name: "refund", Outcome: "approved" });
        Assert.Equal("passed", harness.Audit.Records[1].ValidationOutcome);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Refused_the_tool_never_runs_and_the_model_is_told(Route route, Adoption adoption, bool streaming)
    {
        using var harness = new Harness(route, adoption);
        var question = new ChatMessage(ChatRole.User, "Refund order 7.");
        ChatResponse first = await harness.Client.AskAsync([question], harness.Options(), streaming);
        ToolApprovalRequestContent request = first.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();

        ChatResponse second = await harness.Client.AskAsync(
            [question, .. first.Messages, new(ChatRole.User, [request.CreateResponse(approved: false, reason: "not today")])], harness.Options(), streaming);

        Assert.Equal(0, harness.Runs);
        FunctionResultContent told = Assert.Single(harness.Model.Requests[^1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal("call-1", told.CallId);
        Assert.Equal("""{"status":"refunded"}""", second.Text);
        Assert.Contains(harness.Audit.Records[^1].ToolCalls, t => t is { Name: "refund", Outcome: "refused" });
    }

    [Fact]
    public async Task A_contract_risk_tag_requires_approval_too()
    {
        var model = new ScriptedChatClient(ScriptedTurn.CallTool("lookup", null, "c1"), ScriptedTurn.Reply("""{"status":"x"}"""));
        var services = new ServiceCollection();
        services.AddChatClient(model).UseFunctionInvocation();
        var contract = new PromptContract { Id = "tagged", Version = "1.0.0", OutputSchema = Schema, Tags = new Dictionary<string, string> { ["risk"] = "high" } };
        services.AddGovernedAi().AddContract(contract);
        using ServiceProvider provider = services.BuildServiceProvider();
        int runs = 0;

        ChatResponse response = await provider.GetRequiredService<IChatClient>().GetResponseAsync(
            "look it up", new ChatOptions { Tools = [AIFunctionFactory.Create(() => { runs++; return "x"; }, "lookup")] }.WithContract("tagged"));

        Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>());
        Assert.Equal(0, runs);
    }

    [Fact]
    public void An_undefined_risk_value_is_a_contract_problem()
    {
        var contract = new PromptContract { Id = "c", Version = "1.0.0", Risk = (ContractRisk)7 };
        var registry = new InMemoryPromptRegistry();

        ContractDefinitionException ex = Assert.Throws<ContractDefinitionException>(() => registry.Register(contract));

        Assert.Contains("Risk", ex.Message);
    }
}
