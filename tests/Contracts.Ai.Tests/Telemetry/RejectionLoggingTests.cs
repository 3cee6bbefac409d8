using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Telemetry;

/// <summary>Expected outcomes are warnings without stack traces; faults of the set-up are errors with them.</summary>
public class RejectionLoggingTests
{
    public static TheoryData<bool> Streaming => new() { false, true };

    private static ServiceProvider App(ScriptedChatClient model, Action<GovernedAiOptions>? configure = null)
    {
        var services = new ServiceCollection();

        // The request stage logs when something observes it: a listener, an audit sink, or Debug logging.
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        services.AddFakeLogging();
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi(configure).AddContract(TicketContract());
        return services.BuildServiceProvider();
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_contract_violation_is_logged_as_warning_5003_without_the_exception(bool streaming)
    {
        using ServiceProvider app = App(new ScriptedChatClient(_ => ScriptedTurn.Reply("""{"category":"billing","priority":"urgent"}""")));
        IChatClient chat = app.GetRequiredService<IChatClient>();

        await Assert.ThrowsAsync<ContractViolationException>(() => CallAsync(chat, streaming, TicketOptions()));

        FakeLogRecord record = Assert.Single(app.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 5003);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Null(record.Exception);
        Assert.Contains("ContractViolationException", record.Message, StringComparison.Ordinal);
        // What kind of violation, never where in the answer: a path can be a name the model wrote.
        Assert.Contains("output_schema", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("urgent", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(app.GetFakeLogCollector().GetSnapshot(), r => r.Exception is not null);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task Unsafe_content_is_logged_as_warning_5003_without_the_exception(bool streaming)
    {
        using ServiceProvider app = App(
            new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket)),
            o => o.DataProtection.Policy.OutboundPrompt.EntityActions[PiiEntityTypes.CreditCard] = PiiAction.Block);
        IChatClient chat = app.GetRequiredService<IChatClient>();

        await Assert.ThrowsAsync<UnsafeContentException>(() => CallAsync(chat, streaming, TicketOptions(), Ask("My card is 4111 1111 1111 1111.")));

        FakeLogRecord record = Assert.Single(app.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 5003);
        Assert.Null(record.Exception);
        Assert.DoesNotContain("4111", record.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_fault_of_the_set_up_is_logged_as_error_with_its_stack_trace(bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket));
        using ServiceProvider app = App(model, o => o.TokenBudget.DefaultEncoding = null);
        IChatClient chat = app.GetRequiredService<IChatClient>();
        ChatOptions options = TicketOptions();
        options.ModelId = "llama-3.1-8b";

        await Assert.ThrowsAsync<TokenCounterNotFoundException>(() => CallAsync(chat, streaming, options));

        FakeLogRecord record = Assert.Single(app.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 5009);
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.IsType<TokenCounterNotFoundException>(record.Exception);
        Assert.DoesNotContain(app.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 5003);
    }
}
