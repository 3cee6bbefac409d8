using System.Diagnostics;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

public class ContractNotFoundTests
{
    public static TheoryData<bool> Streaming => new() { false, true };

    private static ServiceProvider App(ScriptedChatClient model)
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi()
            .AddContract(TicketContract(version: "1.0.0"))
            .AddContract(TicketContract(version: "1.1.0"))
            .AddContract(TicketContract(id: "billing.refund", version: "2.0.0"))
            .SetContractLabel("support.triage", "production", "1.0.0");
        return services.BuildServiceProvider();
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task An_unknown_id_is_a_typed_rejection_listing_the_registered_contracts(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket));
        using ServiceProvider app = App(model);
        using var spans = new SpanCollector();
        IChatClient chat = app.GetRequiredService<IChatClient>();

        ContractNotFoundException ex = await Assert.ThrowsAsync<ContractNotFoundException>(() => CallAsync(chat, streaming, TicketOptions("support.triag")));

        Assert.IsAssignableFrom<GovernedAiException>(ex);
        Assert.Equal("support.triag", ex.ContractId);
        Assert.Null(ex.VersionOrLabel);
        Assert.Contains("No contract 'support.triag' is registered", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'support.triage'?", ex.Message, StringComparison.Ordinal);
        Assert.Contains("billing.refund 2.0.0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("support.triage 1.0.0, 1.1.0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.CallCount);

        Activity request = Assert.Single(spans.Named("contracts_ai.request"));
        Assert.Equal("rejected", request.GetTagItem("contracts_ai.outcome"));
        IReadOnlyList<FakeLogRecord> logs = app.GetFakeLogCollector().GetSnapshot();
        FakeLogRecord rejected = Assert.Single(logs, r => r.Id.Id == 5003);
        Assert.Equal(LogLevel.Warning, rejected.Level);
        Assert.Null(rejected.Exception);
        Assert.Contains("ContractNotFoundException", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs, r => r.Level >= LogLevel.Error);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task An_unknown_version_or_label_lists_the_versions_and_labels(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket));
        using ServiceProvider app = App(model);
        IChatClient chat = app.GetRequiredService<IChatClient>();
        ChatOptions options = new ChatOptions().WithContract("support.triage", "staging", new { customer = "Ada", ticket = "x" });

        ContractNotFoundException ex = await Assert.ThrowsAsync<ContractNotFoundException>(() => CallAsync(chat, streaming, options));

        Assert.Equal("support.triage", ex.ContractId);
        Assert.Equal("staging", ex.VersionOrLabel);
        Assert.Contains("Versions: 1.0.0, 1.1.0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("production -> 1.0.0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("latest -> 1.1.0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.CallCount);
    }

    [Fact]
    public void An_empty_registry_says_how_to_register_contracts()
    {
        var registry = new InMemoryPromptRegistry();

        ContractNotFoundException ex = Assert.Throws<ContractNotFoundException>(() => registry.Resolve("support.triage"));

        Assert.Contains("no contract is registered at all", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddContract", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_KeyNotFoundException_from_an_apps_own_registry_becomes_the_typed_error()
    {
        var registry = new DictionaryRegistry();
        IChatClient chat = Governed(new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket)), registry);

        ContractNotFoundException ex = await Assert.ThrowsAsync<ContractNotFoundException>(() => chat.GetResponseAsync(Ask(), TicketOptions("anything")));

        Assert.Equal("anything", ex.ContractId);
        Assert.Contains("not in my store", ex.Message, StringComparison.Ordinal);
    }

    private sealed class DictionaryRegistry : IPromptRegistry
    {
        public void Register(PromptContract contract) => throw new NotSupportedException();

        public PromptContract Resolve(string id, string? versionOrLabel = null) => throw new KeyNotFoundException($"'{id}' is not in my store.");

        public void SetLabel(string id, string label, string version) => throw new NotSupportedException();
    }
}
