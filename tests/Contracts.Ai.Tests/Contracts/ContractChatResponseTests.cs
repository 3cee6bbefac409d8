using System;
using System.Reflection;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Contracts;

public class ContractChatResponseTests
{
    private const string TriageAnswer = "{\"category\":\"billing\",\"priority\":2,\"summary\":\"Charged twice\",\"labels\":[\"refund\"]}";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetContractResponseAsync_gives_the_validated_answer_as_result_on_both_adoption_paths(bool dependencyInjection)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Here it is:\n```json\n" + TriageAnswer + "\n```"));
        PromptContract contract = new PromptContract { Id = "typed.triage", Version = "1.0.0", OnFailure = ContractFailurePolicy.Throw }
            .WithOutputType(TriageJsonContext.Default.Triage);
        ServiceProvider? provider = null;
        IChatClient client;
        if (dependencyInjection)
        {
            var services = new ServiceCollection();
            services.AddChatClient(model).UseFunctionInvocation();
            services.AddGovernedAi().AddContract(contract);
            provider = services.BuildServiceProvider();
            client = provider.GetRequiredService<IChatClient>();
        }
        else
        {
            var registry = new InMemoryPromptRegistry();
            registry.Register(contract);
            var services = new ServiceCollection();
            services.AddSingleton<IPromptRegistry>(registry);
            provider = services.BuildServiceProvider();
            client = new ChatClientBuilder(model).UseGovernedAi().Build(provider);
        }

        using (provider)
        {
            ContractChatResponse<Triage> response = await client.GetContractResponseAsync(
                [new ChatMessage(ChatRole.User, "I was charged twice")], new ChatOptions().WithContract("typed.triage"), TriageJsonContext.Default.Triage);

            Assert.Equal("billing", response.Result.Category);
            Assert.Equal(2, response.Result.Priority);
            Assert.Equal(TriageAnswer, response.Text);
            Assert.Equal("passed", response.GetContractValidationOutcome());
            Assert.Same(response.Result, response.GetContractOutput(TriageJsonContext.Default.Triage));
        }
    }

    [Fact]
    public async Task GetContractResponseAsync_rejects_an_answer_that_is_no_valid_result()
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("no JSON at all"));
        PromptContract contract = new PromptContract { Id = "typed.triage", Version = "1.0.0", OnFailure = ContractFailurePolicy.Throw }
            .WithOutputType(TriageJsonContext.Default.Triage);
        IChatClient client = ContractTestKit.Governed(model, ContractTestKit.Registry(contract));

        await Assert.ThrowsAsync<ContractViolationException>(() => client.GetContractResponseAsync(
            [new ChatMessage(ChatRole.User, "hi")], new ChatOptions().WithContract("typed.triage"), TriageJsonContext.Default.Triage));
    }

    [Fact]
    public void The_typed_response_keeps_every_property_of_the_response_it_carries()
    {
        var original = new ChatResponse(new ChatMessage(ChatRole.Assistant, TriageAnswer))
        {
            ResponseId = "r-1",
            ConversationId = "c-1",
            ModelId = "m-1",
            CreatedAt = DateTimeOffset.UnixEpoch,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 3 },
            RawRepresentation = new object(),
            AdditionalProperties = new AdditionalPropertiesDictionary { ["k"] = "v" },
        };

        var typed = new ContractChatResponse<string>(original, "result");

        // Every settable property MEAI's ChatResponse has, now or after an upgrade, must travel with the answer.
        foreach (PropertyInfo property in typeof(ChatResponse).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.CanWrite)
            {
                Assert.Equal(property.GetValue(original), property.GetValue(typed));
            }
        }

        Assert.Equal("result", typed.Result);
    }
}
