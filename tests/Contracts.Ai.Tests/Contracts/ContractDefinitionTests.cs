using System.Text.Json;
using Contracts.Ai.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

public class ContractDefinitionTests
{
    [Fact]
    public void A_code_contract_with_an_input_the_template_never_uses_fails_at_AddContract()
    {
        IGovernedAiBuilder builder = new ServiceCollection().AddGovernedAi(_ => new ScriptedChatClient());
        var contract = new PromptContract
        {
            Id = "support.reply",
            Version = "1.2.0",
            Template = "Answer {{customer}}.",
            Inputs = { new ContractInput { Name = "customer" }, new ContractInput { Name = "orderId", Required = false } },
        };

        ContractDefinitionException ex = Assert.Throws<ContractDefinitionException>(() => builder.AddContract(contract));

        Assert.IsAssignableFrom<GovernedAiException>(ex);
        Assert.Equal("support.reply", ex.ContractId);
        Assert.Equal("1.2.0", ex.ContractVersion);
        string problem = Assert.Single(ex.Problems);
        Assert.Equal("input 'orderId' is declared but the template never uses {{orderId}}", problem);
        Assert.StartsWith("Contract 'support.reply' version 1.2.0 is not valid (1 problem):", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", ex.Message, StringComparison.Ordinal);
        Assert.False(contract.IsFrozen);
    }

    [Fact]
    public void The_same_rule_applies_to_the_same_contract_as_a_prompt_file()
    {
        const string File = """
            ---
            id: support.reply
            version: 1.2.0
            inputs:
              customer: string
              orderId: { type: string, required: false }
            ---
            Answer {{customer}}.
            """;

        PromptFileException ex = Assert.Throws<PromptFileException>(() => PromptFile.Parse(File, "support.reply.prompty"));

        PromptFileError error = Assert.Single(ex.Errors);
        Assert.Equal("input-unused", error.Code);
        Assert.Contains("input 'orderId' is declared but the template never uses {{orderId}}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_contract_without_a_template_cannot_use_its_inputs()
    {
        var contract = new PromptContract { Id = "c", Version = "1.0.0", Inputs = { new ContractInput { Name = "question" } } };

        ContractDefinitionException ex = Assert.Throws<ContractDefinitionException>(() => new InMemoryPromptRegistry().Register(contract));

        Assert.Contains("input 'question' is declared but the template never uses {{question}}", ex.Problems);
    }

    [Fact]
    public void A_bad_schema_reports_every_error_with_its_pointer_in_one_clean_message()
    {
        IGovernedAiBuilder builder = new ServiceCollection().AddGovernedAi(_ => new ScriptedChatClient());
        PromptContract contract = TicketContract();
        contract.OutputSchema = ParseJson("""
            {
              "type": "object",
              "properties": {
                "category": { "type": "strnig" },
                "priority": { "type": "integer", "minimum": "one" },
                "tags": { "type": "array", "minItems": -1 }
              },
              "required": "category"
            }
            """);

        ContractDefinitionException ex = Assert.Throws<ContractDefinitionException>(() => builder.AddContract(contract));

        Assert.Contains(ex.Problems, p => p.Contains("'/properties/category/type'", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'/properties/priority/minimum'", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'/properties/tags/minItems'", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'/required'", StringComparison.Ordinal));
        Assert.True(ex.Problems.Count >= 4, string.Join("\n", ex.Problems));
        Assert.DoesNotContain("(Parameter", ex.Message, StringComparison.Ordinal);
        foreach (string problem in ex.Problems)
        {
            Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_schema_problem_the_meta_schema_cannot_see_is_reported_without_parameter_noise()
    {
        PromptContract contract = TicketContract();
        contract.OutputSchema = ParseJson("""{ "type": "object", "properties": { "a": { "$ref": "#/$defs/missing" } } }""");

        ContractDefinitionException ex = Assert.Throws<ContractDefinitionException>(() => new InMemoryPromptRegistry().Register(contract));

        string problem = Assert.Single(ex.Problems);
        Assert.StartsWith("OutputSchema is not a valid JSON Schema: ", problem, StringComparison.Ordinal);
        Assert.Contains("#/$defs/missing", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", ex.Message, StringComparison.Ordinal);
    }
}
