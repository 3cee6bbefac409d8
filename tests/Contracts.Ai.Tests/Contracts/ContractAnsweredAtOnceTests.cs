using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

/// <summary>
/// A model that answers at once (its task already complete) and one that answers later must give the same outcome
/// through the governed pipeline an app registers: response, validation outcome, re-ask, fallback, throw, usage, and
/// registry changes seen by the next call.
/// </summary>
public sealed class ContractAnsweredAtOnceTests
{
    public static TheoryData<bool, bool> Cases() => new()
    {
        { false, false },
        { false, true },
        { true, false },
        { true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_valid_answer_passes_with_its_json_as_text_and_the_models_usage(bool answersLater, bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Here you go:\n```json\n" + ValidTicket + "\n```").WithUsage(100, 20));
        using ServiceProvider provider = Provider(model, answersLater, TicketContract());

        (ChatResponse response, _) = await CallAsync(provider.GetRequiredService<IChatClient>(), streaming, TicketOptions());

        Assert.Equal(ValidTicket, response.Text);
        Assert.Equal(120, response.Usage?.TotalTokenCount);
        Assert.Equal("Classify the ticket from Ada: I was charged twice.", Instructions(model));
        Assert.Single(model.Requests);
        if (!streaming)
        {
            Assert.Equal("passed", response.GetContractValidationOutcome());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_contract_without_a_schema_passes_the_answer_unchanged(bool answersLater, bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Your order ships tomorrow.").WithUsage(900, 12));
        var contract = new PromptContract
        {
            Id = "support.answer",
            Version = "1.0.0",
            Template = "You are a support agent for {{product}}.",
            Inputs = { new ContractInput { Name = "product" } },
        };
        using ServiceProvider provider = Provider(model, answersLater, contract);
        ChatOptions options = new ChatOptions { Tools = [AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order")] }
            .WithContract("support.answer", new Dictionary<string, object?> { ["product"] = "Contoso" })
            .WithTenant("tenant-1", "user-1");

        (ChatResponse response, _) = await CallAsync(provider.GetRequiredService<IChatClient>(), streaming, options);

        Assert.Equal("Your order ships tomorrow.", response.Text);
        Assert.Equal(912, response.Usage?.TotalTokenCount);
        Assert.Equal("You are a support agent for Contoso.", Instructions(model));
        if (!streaming)
        {
            Assert.Equal("passed", response.GetContractValidationOutcome());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_invalid_answer_is_reasked_with_its_errors_and_the_usage_is_summed(bool answersLater, bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.Reply("""{"category":"billing","priority":9}""").WithUsage(100, 10),
            ScriptedTurn.Reply(ValidTicket).WithUsage(150, 5));
        using ServiceProvider provider = Provider(model, answersLater, TicketContract(onFailure: ContractFailurePolicy.Reask, maxReasks: 1));

        (ChatResponse response, _) = await CallAsync(provider.GetRequiredService<IChatClient>(), streaming, TicketOptions());

        Assert.Equal(ValidTicket, response.Text);
        Assert.Equal(265, response.Usage?.TotalTokenCount);
        Assert.Equal(2, model.Requests.Count);
        string reask = LastUserText(model.Requests[1]);
        Assert.Contains("does not satisfy the required output", reask, StringComparison.Ordinal);
        Assert.Contains("priority", reask, StringComparison.Ordinal);
        if (!streaming)
        {
            Assert.Equal("reasked", response.GetContractValidationOutcome());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_invalid_answer_under_the_fallback_policy_returns_the_fallback(bool answersLater, bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("no JSON at all").WithUsage(40, 4));
        using ServiceProvider provider = Provider(model, answersLater, TicketContract(onFailure: ContractFailurePolicy.Fallback, fallback: Fallback));

        (ChatResponse response, _) = await CallAsync(provider.GetRequiredService<IChatClient>(), streaming, TicketOptions());

        Assert.Equal(Fallback, response.Text);
        Assert.Equal(44, response.Usage?.TotalTokenCount);
        Assert.Single(model.Requests);
        if (!streaming)
        {
            Assert.Equal("fallback", response.GetContractValidationOutcome());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_invalid_answer_under_the_throw_policy_throws_naming_the_contract(bool answersLater, bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("""{"category":"refund","priority":2}""").WithUsage(30, 3));
        using ServiceProvider provider = Provider(model, answersLater, TicketContract());

        (ContractViolationException error, _) = await FailAsync(provider.GetRequiredService<IChatClient>(), streaming, TicketOptions());

        Assert.Equal("support.triage", error.ContractId);
        Assert.Equal("1.0.0", error.ContractVersion);
        Assert.Contains("support.triage", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Violations, v => v.Contains("category", StringComparison.Ordinal));
        Assert.Equal(33, error.Usage?.TotalTokenCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_validator_that_rejects_the_answer_drives_the_reask(bool answersLater, bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.Reply("""{"category":"other","priority":5}""").WithUsage(10, 1),
            ScriptedTurn.Reply(ValidTicket).WithUsage(10, 1));
        PromptContract contract = TicketContract(onFailure: ContractFailurePolicy.Reask, maxReasks: 1);
        contract.Validators.Add(answersLater ? new LaterValidator() : ContractValidator.Create(Reject));
        using ServiceProvider provider = Provider(model, answersLater, contract);

        (ChatResponse response, _) = await CallAsync(provider.GetRequiredService<IChatClient>(), streaming, TicketOptions());

        Assert.Equal(ValidTicket, response.Text);
        Assert.Contains("priority 5 needs a person", LastUserText(model.Requests[1]), StringComparison.Ordinal);
        Assert.Equal(22, response.Usage?.TotalTokenCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_label_move_or_a_new_version_between_two_calls_is_seen_by_the_second(bool answersLater, bool streaming)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider provider = Provider(model, answersLater, Versioned("1.0.0", "first"), Versioned("2.0.0", "second"));
        var registry = provider.GetRequiredService<InMemoryPromptRegistry>();
        IChatClient client = provider.GetRequiredService<IChatClient>();

        await CallAsync(client, streaming, VersionedOptions(null));
        registry.SetLabel("support.versioned", PromptLabels.Production, "1.0.0");
        await CallAsync(client, streaming, VersionedOptions(null));
        await CallAsync(client, streaming, VersionedOptions(PromptLabels.Production));
        registry.SetLabel("support.versioned", PromptLabels.Production, "2.0.0");
        await CallAsync(client, streaming, VersionedOptions(PromptLabels.Production));
        registry.Register(Versioned("3.0.0", "third"));
        await CallAsync(client, streaming, VersionedOptions(PromptLabels.Latest));
        registry.RollbackLabel("support.versioned", PromptLabels.Production);
        await CallAsync(client, streaming, VersionedOptions(null));

        Assert.Equal(
            ["second v=x", "first v=x", "first v=x", "second v=x", "third v=x", "first v=x"],
            model.Requests.Select(r => r.Options!.Instructions!).ToArray());
    }

    private const string Fallback = """{"category":"other","priority":3}""";

    private static IEnumerable<string>? Reject(ContractValidationContext context) =>
        context.Text.Contains("\"priority\":5", StringComparison.Ordinal) ? ["priority 5 needs a person"] : null;

    private static PromptContract Versioned(string version, string text) => new()
    {
        Id = "support.versioned",
        Version = version,
        Template = text + " v={{v}}",
        Inputs = { new ContractInput { Name = "v" } },
    };

    private static ChatOptions VersionedOptions(string? versionOrLabel)
    {
        var inputs = new Dictionary<string, object?> { ["v"] = "x" };
        return versionOrLabel is null
            ? new ChatOptions().WithContract("support.versioned", inputs)
            : new ChatOptions().WithContract("support.versioned", versionOrLabel, inputs);
    }

    private static ServiceProvider Provider(ScriptedChatClient model, bool answersLater, params PromptContract[] contracts)
    {
        var services = new ServiceCollection();
        services.AddChatClient(answersLater ? new AnswersLaterChatClient(model) : model).UseFunctionInvocation();

        // Re-asking a streamed answer needs it buffered.
        IGovernedAiBuilder governed = services.AddGovernedAi(o => o.Contracts.BufferStreaming = true);
        foreach (PromptContract contract in contracts)
        {
            governed.AddContract(contract);
        }

        return services.BuildServiceProvider();
    }

    /// <summary>A model whose every answer completes after a yield, never at once.</summary>
    private sealed class AnswersLaterChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }
        }
    }

    /// <summary>A validator that completes after a yield, so the answer's check cannot finish at once.</summary>
    private sealed class LaterValidator : IContractValidator
    {
        public async ValueTask ValidateAsync(ContractValidationContext context, CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (string error in Reject(context) ?? [])
            {
                context.AddError(error);
            }
        }
    }
}
