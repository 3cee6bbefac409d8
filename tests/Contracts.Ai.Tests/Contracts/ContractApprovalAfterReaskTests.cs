using System.Text.Json;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Audit;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

#pragma warning disable MEAI001 // The approval round trip is MEAI's experimental API; tests drive it as a caller would.

namespace Contracts.Ai.Tests.Contracts;

/// <summary>
/// An approval request that follows a re-ask comes back with the conversation that led to it, on every adoption path;
/// and the approval round trip is signed, checked and recorded whatever subset of stages the app uses.
/// </summary>
public class ContractApprovalAfterReaskTests
{
    private const string InvalidAnswer = "refunded, all good";

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","properties":{"status":{"type":"string"}},"required":["status"],"additionalProperties":false}
        """).RootElement.Clone();

    public enum Adoption
    {
        AddGovernedAiOverAppLoop,
        AddGovernedAi,
        UseGovernedAi,
        UseContractsOverAppLoop,
    }

    public static TheoryData<Adoption, bool> Cases()
    {
        var data = new TheoryData<Adoption, bool>();
        foreach (Adoption adoption in Enum.GetValues<Adoption>())
        {
            data.Add(adoption, false);
            data.Add(adoption, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_approval_request_after_a_reask_carries_the_rejected_answer_and_the_reask(Adoption adoption, bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.Reply(InvalidAnswer),
            ScriptedTurn.CallTool("refund", new Dictionary<string, object?> { ["orderId"] = 7 }, "call-1"),
            ScriptedTurn.Reply("""{"status":"refunded"}"""));
        var audit = new DecisionAuditTests.CollectingSink();
        using ServiceProvider provider = Services(audit, new FakeLogCollector(), model, adoption);
        using IChatClient client = Build(model, adoption, provider);
        int runs = 0;
        ChatOptions options = new ChatOptions { Tools = [AIFunctionFactory.Create((int orderId) => { runs++; return "done"; }, "refund")] }.WithContract("refunds");
        var question = new ChatMessage(ChatRole.User, "Refund order 7.");

        ChatResponse first = await client.AskAsync([question], options, streaming);

        Assert.Equal(0, runs);
        Assert.Equal(ChatRole.Assistant, first.Messages[0].Role);
        Assert.Equal(InvalidAnswer, first.Messages[0].Text);
        Assert.Equal(ChatRole.User, first.Messages[1].Role);
        Assert.Contains("does not satisfy the required output", first.Messages[1].Text, StringComparison.Ordinal);
        ToolApprovalRequestContent request = Assert.Single(first.Messages.Skip(2).SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>());
        Assert.Equal("call-1", ((FunctionCallContent)request.ToolCall).CallId);

        ChatResponse second = await client.AskAsync([question, .. first.Messages, new(ChatRole.User, [request.CreateResponse(approved: true)])], options, streaming);

        Assert.Equal(1, runs);
        Assert.Equal("""{"status":"refunded"}""", second.Text);
        IReadOnlyList<ChatMessage> seen = model.Requests[^1].Messages;
        Assert.Contains(seen, m => m.Role == ChatRole.Assistant && m.Text == InvalidAnswer);
        Assert.Contains(seen, m => m.Role == ChatRole.User && m.Text.Contains("does not satisfy the required output", StringComparison.Ordinal));
        Assert.Contains(seen.SelectMany(m => m.Contents).OfType<FunctionResultContent>(), r => r.CallId == "call-1");
        if (adoption != Adoption.UseContractsOverAppLoop)
        {
            Assert.Contains(audit.Records[0].ToolCalls, t => t is { Name: "refund", Outcome: "approval_requested" });
            Assert.Contains(audit.Records[1].ToolCalls, t => t is { Name: "refund", Outcome: "approved" });
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Contracts_without_tool_governance_sign_check_and_log_the_approval_round_trip(bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.CallTool("refund", new Dictionary<string, object?> { ["orderId"] = 7 }, "call-1"),
            ScriptedTurn.Reply("""{"status":"refunded"}"""));
        var logs = new FakeLogCollector();
        using ServiceProvider provider = Services(new DecisionAuditTests.CollectingSink(), logs);
        using IChatClient client = Build(model, Adoption.UseContractsOverAppLoop, provider);
        int runs = 0;
        ChatOptions options = new ChatOptions { Tools = [AIFunctionFactory.Create((int orderId) => { runs++; return "done"; }, "refund")] }.WithContract("refunds");
        var question = new ChatMessage(ChatRole.User, "Refund order 7.");

        ChatResponse first = await client.AskAsync([question], options, streaming);
        ToolApprovalRequestContent request = Assert.Single(first.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>());
        Assert.Contains(".sig.", request.RequestId, StringComparison.Ordinal);

        // An approval the loop never asked about (a forged request id, or changed arguments) is refused before anything runs.
        var forged = new ToolApprovalRequestContent("forged", new FunctionCallContent("call-1", "refund", new Dictionary<string, object?> { ["orderId"] = 7 }));
        var changed = new ToolApprovalRequestContent(request.RequestId, new FunctionCallContent("call-1", "refund", new Dictionary<string, object?> { ["orderId"] = 8 }));
        foreach (ToolApprovalRequestContent bad in new[] { forged, changed })
        {
            var refused = await Assert.ThrowsAsync<UnsafeContentException>(() =>
                client.AskAsync([question, .. first.Messages, new(ChatRole.User, [bad.CreateResponse(approved: true)])], options, streaming));
            Assert.Contains("tool 'refund'", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, runs);
        ChatResponse second = await client.AskAsync([question, .. first.Messages, new(ChatRole.User, [request.CreateResponse(approved: true)])], options, streaming);

        Assert.Equal(1, runs);
        Assert.Equal("""{"status":"refunded"}""", second.Text);
        IReadOnlyList<FakeLogRecord> records = logs.GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 4 && r.Message.Contains("refund", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Id.Id == 5 && r.Message.Contains("refund", StringComparison.Ordinal) && r.Message.Contains("approved", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Contracts_with_the_tool_loop_above_them_refuse_a_contract_that_needs_approval_before_calling_the_model(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.CallTool("refund", new Dictionary<string, object?> { ["orderId"] = 7 }, "call-1"));
        using ServiceProvider provider = Services(new DecisionAuditTests.CollectingSink(), new FakeLogCollector());
        using IChatClient client = new ChatClientBuilder(model).UseFunctionInvocation().UseContracts().Build(provider);
        int runs = 0;
        ChatOptions options = new ChatOptions { Tools = [AIFunctionFactory.Create((int orderId) => { runs++; return "done"; }, "refund")] }.WithContract("refunds");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.AskAsync("Refund order 7.", options, streaming));

        Assert.Contains("'refunds'", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseFunctionInvocation() after UseContracts()", error.Message, StringComparison.Ordinal);
        Assert.Empty(model.Requests);
        Assert.Equal(0, runs);
    }

    private static ServiceProvider Services(IAuditSink audit, FakeLogCollector logs, ScriptedChatClient? model = null, Adoption adoption = Adoption.UseGovernedAi)
    {
        var contract = new PromptContract
        {
            Id = "refunds", Version = "1.0.0", OutputSchema = Schema, Risk = ContractRisk.High,
            OnFailure = ContractFailurePolicy.Reask, MaxReasks = 1,
        };
        var services = new ServiceCollection();
        services.AddSingleton(audit);
        services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)));
        if (model is not null && adoption is Adoption.AddGovernedAi or Adoption.AddGovernedAiOverAppLoop)
        {
            ChatClientBuilder registered = services.AddChatClient(model);
            if (adoption == Adoption.AddGovernedAiOverAppLoop)
            {
                registered.UseFunctionInvocation();
            }
        }

        // Re-asking a streamed answer needs it buffered.
        services.AddGovernedAi(o => o.Contracts.BufferStreaming = true).AddContract(contract);
        return services.BuildServiceProvider();
    }

    private static IChatClient Build(ScriptedChatClient model, Adoption adoption, ServiceProvider provider) => adoption switch
    {
        Adoption.AddGovernedAiOverAppLoop or Adoption.AddGovernedAi => provider.GetRequiredService<IChatClient>(),
        Adoption.UseGovernedAi => new ChatClientBuilder(model).UseGovernedAi().Build(provider),
        _ => new ChatClientBuilder(model).UseContracts().UseFunctionInvocation().Build(provider),
    };
}
