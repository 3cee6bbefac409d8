using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

public class ContractOptionsTests
{
    [Fact]
    public void Options_BindFromConfiguration()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GovernedAi:Contracts:BufferStreaming"] = "true",
            ["GovernedAi:Contracts:ReaskTokenBudget"] = "12000",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddGovernedAi(_ => new ScriptedChatClient());
        using ServiceProvider provider = services.BuildServiceProvider();

        ContractOptions options = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Contracts;

        Assert.True(options.BufferStreaming);
        Assert.Equal(12000, options.ReaskTokenBudget);
    }

    [Fact]
    public void InvalidOptions_AreReportedByTheirConfigurationPath()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(), o => o.Contracts.ReaskTokenBudget = -5);
        using ServiceProvider provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value);

        Assert.Contains("GovernedAi:Contracts:ReaskTokenBudget must be positive", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullForARequiredInput_CountsAsMissing_AndNullForAnOptionalOneRendersEmpty()
    {
        var contract = new PromptContract
        {
            Id = "nulls",
            Version = "1.0.0",
            Template = "[{{a}}][{{b}}]",
            Inputs = { new ContractInput { Name = "a" }, new ContractInput { Name = "b", Required = false } },
        };
        var inner = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        IChatClient client = Governed(inner, Registry(contract));

        var error = await Assert.ThrowsAsync<ContractViolationException>(() =>
            client.GetResponseAsync(Ask(), new ChatOptions().WithContract("nulls", new Dictionary<string, object?> { ["a"] = null })));
        await client.GetResponseAsync(Ask(), new ChatOptions().WithContract("nulls", new Dictionary<string, object?> { ["a"] = "x", ["b"] = null }));

        Assert.Equal(new[] { "input 'a' is required but missing" }, error.Violations);
        Assert.Equal("[x][]", inner.Requests[0].Options!.Instructions);
    }

    [Fact]
    public async Task InputsThatAreNotNamedValues_AreRejectedAsABadArgument()
    {
        IChatClient client = Governed(new ScriptedChatClient(), Registry(TicketContract()));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.GetResponseAsync(Ask(), new ChatOptions().WithContract("support.triage", ParseJson("[1,2]"))));

        Assert.Contains("must be a JSON object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InputValueThatCannotBecomeJson_IsRejectedNamingTheInput()
    {
        var inner = new ScriptedChatClient();
        IChatClient client = Governed(inner, Registry(TicketContract()));
        var options = new ChatOptions().WithContract("support.triage", new Dictionary<string, object?> { ["customer"] = typeof(string), ["ticket"] = "x" });

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Ask(), options));

        Assert.Contains("Input 'customer'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.CallCount);
    }

    [Fact]
    public void ContractInUse_CannotChange()
    {
        PromptContract contract = TicketContract();
        Registry(contract);

        Assert.Throws<InvalidOperationException>(() => contract.WithOutputType(TriageJsonContext.Default.Triage));
        Assert.Throws<InvalidOperationException>(() => contract.OutputSchema = ParseJson("{}"));
        Assert.Throws<InvalidOperationException>(() => contract.AllowedTools = new List<string> { "any" });
        Assert.Throws<NotSupportedException>(() => contract.Validators.Add(ContractValidator.Create(_ => null)));
    }
}
