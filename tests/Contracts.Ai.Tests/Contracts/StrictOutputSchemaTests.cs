using System.Text.Json;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

public class StrictOutputSchemaTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}""", true)]
    [InlineData("""{"type":"object","properties":{},"additionalProperties":false}""", true)]
    [InlineData("""{"type":"object","properties":{"a":{"type":["string","null"]},"b":{"type":"array","items":{"type":"object","properties":{"c":{"enum":[1,2]}},"required":["c"],"additionalProperties":false}}},"required":["a","b"],"additionalProperties":false}""", true)]
    [InlineData("""{"type":"object","properties":{"a":{"anyOf":[{"type":"string"},{"$ref":"#/$defs/n"}]}},"required":["a"],"additionalProperties":false,"$defs":{"n":{"type":"number"}}}""", true)]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}""", false)]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""", false)]
    [InlineData("""{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"required":["b"]}},"required":["a"],"additionalProperties":false}""", false)]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","minLength":1}},"required":["a"],"additionalProperties":false}""", false)]
    [InlineData("""{"type":"object","properties":{"a":{"oneOf":[{"type":"string"},{"type":"number"}]}},"required":["a"],"additionalProperties":false}""", false)]
    [InlineData("""{"type":"array","items":{"type":"string"}}""", false)]
    [InlineData("""{"anyOf":[{"type":"object","properties":{},"additionalProperties":false}]}""", false)]
    [InlineData("true", false)]
    public void Only_schemas_that_meet_the_strict_rules_as_they_are_qualify(string schema, bool strict)
    {
        Assert.Equal(strict, StrictSchemaRules.IsStrictCompatible(JsonDocument.Parse(schema).RootElement));
    }

    [Fact]
    public void Nesting_deeper_than_ten_levels_does_not_qualify()
    {
        string schema = """{"type":"string"}""";
        for (int i = 0; i < 11; i++)
        {
            schema = $$"""{"type":"object","properties":{"x":{{schema}}},"required":["x"],"additionalProperties":false}""";
        }

        Assert.False(StrictSchemaRules.IsStrictCompatible(JsonDocument.Parse(schema).RootElement));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task The_request_carries_strictness_when_the_option_allows_it(bool option, bool expected)
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket));
        IChatClient client = Governed(model, Registry(TicketContract()), o => o.StrictOutputSchema = option);

        await client.GetResponseAsync(Ask(), TicketOptions());

        ChatOptions sent = Assert.Single(model.Requests).Options!;
        Assert.IsType<ChatResponseFormatJson>(sent.ResponseFormat);
        Assert.Equal(expected, sent.AdditionalProperties?.TryGetValue("strict", out object? value) == true && value is true);
    }

    [Fact]
    public async Task A_strictness_the_caller_set_is_kept()
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply(ValidTicket));
        IChatClient client = Governed(model, Registry(TicketContract()));
        ChatOptions options = TicketOptions();
        (options.AdditionalProperties ??= [])["strict"] = false;

        await client.GetResponseAsync(Ask(), options);

        Assert.Equal(false, Assert.Single(model.Requests).Options!.AdditionalProperties!["strict"]);
    }
}
