using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

public class ContractOutputValidationTests
{
    public static TheoryData<string, bool> WrappedAnswers => new()
    {
        { "```json\n" + ValidTicket + "\n```", false },
        { "```\n" + ValidTicket + "\n```", true },
        { "Here is the classification:\n\n" + ValidTicket + "\n\nLet me know if you need more.", false },
        { "Sure. [Note: ticket looked urgent] " + ValidTicket + " Hope that helps {smile}", true },
        { "  \n" + ValidTicket + "\n  ", false },
    };

    [Theory]
    [MemberData(nameof(WrappedAnswers))]
    public async Task JsonInCodeFencesOrProse_IsExtracted_AndBecomesTheAnswer(string answer, bool streaming)
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply(answer));
        IChatClient client = Governed(inner, Registry(TicketContract()), o => o.BufferStreaming = true);

        (ChatResponse response, _) = await CallAsync(client, streaming, TicketOptions());

        Assert.Equal(ValidTicket, response.Text);
        Assert.Equal(1, inner.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EchoedSchema_IsRejected(bool streaming)
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply(TicketSchema));
        IChatClient client = Governed(inner, Registry(TicketContract()), o => o.BufferStreaming = true);

        (ContractViolationException error, _) = await FailAsync(client, streaming, TicketOptions());

        Assert.Equal(new[] { "attempt 1: $: the answer is a JSON Schema, not data that satisfies the schema" }, error.Violations);
    }

    [Fact]
    public async Task SchemaLikeAnswer_WithADollarSchemaMember_IsRejectedAsAnEcho()
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("""{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"category":{"type":"string"}}}"""));
        IChatClient client = Governed(inner, Registry(TicketContract()));

        var error = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetResponseAsync(Ask(), TicketOptions()));

        Assert.Contains("not data that satisfies the schema", error.Violations.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TruncatedJson_IsReportedAsCutOff(bool streaming)
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("```json\n{\"category\":\"billing\",\"priority\":"));
        IChatClient client = Governed(inner, Registry(TicketContract()), o => o.BufferStreaming = true);

        (ContractViolationException error, _) = await FailAsync(client, streaming, TicketOptions());

        Assert.Equal(new[] { "attempt 1: $: the answer's JSON is incomplete (cut off before the value ended)" }, error.Violations);
    }

    [Fact]
    public async Task TruncatedJsonWithACompleteInnerObject_IsStillReportedAsCutOff()
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("Result: {\"ticket\": {\"category\":\"billing\",\"priority\":2}, \"extra\": [1, 2"));
        IChatClient client = Governed(inner, Registry(TicketContract()));

        var error = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetResponseAsync(Ask(), TicketOptions()));

        Assert.Contains("incomplete", error.Violations.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WrongTypes_FailTheSchema_WithPathAndKeyword(bool streaming)
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("""{"category":"refund","priority":"high","agent":"bob"}"""));
        IChatClient client = Governed(inner, Registry(TicketContract()), o => o.BufferStreaming = true);

        (ContractViolationException error, _) = await FailAsync(client, streaming, TicketOptions());

        Assert.Contains(error.Violations, v => v.StartsWith("attempt 1: $.category:", StringComparison.Ordinal) && v.EndsWith("(enum)", StringComparison.Ordinal));
        Assert.Contains(error.Violations, v => v.StartsWith("attempt 1: $.priority:", StringComparison.Ordinal) && v.EndsWith("(type)", StringComparison.Ordinal));
        Assert.Contains(error.Violations, v => v.Contains("additionalProperties", StringComparison.Ordinal));
        Assert.DoesNotContain("bob", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongTypes_AreFedBackOnReask_AndTheSecondAnswerPasses()
    {
        var inner = new ScriptedChatClient(
            ScriptedTurn.Reply("""{"category":"billing","priority":9}"""),
            ScriptedTurn.Reply(ValidTicket));
        IChatClient client = Governed(inner, Registry(TicketContract(onFailure: ContractFailurePolicy.Reask)));

        ChatResponse response = await client.GetResponseAsync(Ask(), TicketOptions());

        Assert.Equal(ValidTicket, response.Text);
        string feedback = LastUserText(inner.Requests[1]);
        Assert.Contains("$.priority:", feedback, StringComparison.Ordinal);
        Assert.Contains("(maximum)", feedback, StringComparison.Ordinal);
    }

    private static PromptContract TypedContract(Func<PromptContract, PromptContract> withType) =>
        withType(new PromptContract { Id = "typed.triage", Version = "1.0.0", OnFailure = ContractFailurePolicy.Throw });

    [Fact]
    public void OutputType_DerivesTheSchemaFromTheClrType_HonouringDataAnnotations()
    {
        PromptContract contract = TypedContract(c => c.WithOutputType(TriageJsonContext.Default.Triage));

        JsonElement schema = contract.OutputSchema!.Value;
        JsonElement properties = schema.GetProperty("properties");
        Assert.Equal(typeof(Triage), contract.OutputType);
        Assert.Equal(1, properties.GetProperty("priority").GetProperty("minimum").GetInt32());
        Assert.Equal(5, properties.GetProperty("priority").GetProperty("maximum").GetInt32());
        Assert.Equal(80, properties.GetProperty("summary").GetProperty("maxLength").GetInt32());
        Assert.Equal("^[A-Z].*", properties.GetProperty("summary").GetProperty("pattern").GetString());
        Assert.Contains("category", schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
    }

    public static TheoryData<string, string> StrictFailures => new()
    {
        { """{"category":"billing","priority":2,"labels":[],"agent":"bob"}""", "agent" },
        { """{"priority":2,"labels":[]}""", "category" },
        { """{"category":null,"priority":2,"labels":[]}""", "category" },
        { """{"category":"billing","priority":"2","labels":[]}""", "priority" },
    };

    [Theory]
    [MemberData(nameof(StrictFailures))]
    public async Task ClrContract_ParsesStrictly(string answer, string member)
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply(answer));
        PromptContract contract = TypedContract(c => c.WithOutputType(TriageJsonContext.Default.Triage));
        IChatClient client = Governed(inner, Registry(contract));

        var error = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetResponseAsync(Ask(), new ChatOptions().WithContract("typed.triage")));

        Assert.Contains(error.Violations, v => v.Contains(member, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StrictFailures))]
    public void StrictParse_OnItsOwn_RejectsUnknownMissingNullAndStringlyTypedMembers(string answer, string member)
    {
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, answer));

        var ex = Assert.Throws<InvalidOperationException>(() => response.GetContractOutput(TriageJsonContext.Default.Triage));

        Assert.Contains("Triage", ex.Message, StringComparison.Ordinal);
        Assert.Contains(member, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClrContract_ValidAnswer_GivesTheTypedResult()
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("```json\n{\"category\":\"billing\",\"priority\":2,\"summary\":\"Charged twice\",\"labels\":[\"refund\"]}\n```"));
        PromptContract contract = TypedContract(c => c.WithOutputType(TriageJsonContext.Default.Triage));
        IChatClient client = Governed(inner, Registry(contract));

        ChatResponse response = await client.GetResponseAsync(Ask(), new ChatOptions().WithContract("typed.triage"));

        Triage triage = response.GetContractOutput(TriageJsonContext.Default.Triage);
        Assert.Same(triage, response.GetContractOutput(TriageJsonContext.Default.Triage));
        Assert.Equal("billing", triage.Category);
        Assert.Equal(new[] { "refund" }, triage.Labels);

        // A copy (for example one replayed from a store) is parsed from its text, as strictly.
        var copy = new ChatResponse(new ChatMessage(ChatRole.Assistant, response.Text));
        Assert.Equal(2, copy.GetContractOutput(TriageJsonContext.Default.Triage).Priority);
    }

    [Fact]
    public async Task ClrContract_WithReflectionOptions_Works()
    {
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("""{"category":"billing","priority":3,"labels":[]}"""));
        PromptContract contract = TypedContract(c => c.WithOutputType<Triage>());
        IChatClient client = Governed(inner, Registry(contract));

        ChatResponse response = await client.GetResponseAsync(Ask(), new ChatOptions().WithContract("typed.triage"));

        Assert.Equal(3, response.GetContractOutput<Triage>().Priority);
    }

    [Fact]
    public async Task CustomValidators_RunAfterTheSchema_AndTheirErrorsAreFedBack()
    {
        var contract = TicketContract(onFailure: ContractFailurePolicy.Reask);
        contract.Validators.Add(ContractValidator.Create(context =>
            context.Output!.Value.GetProperty("category").GetString() == "outage" && context.Output.Value.GetProperty("priority").GetInt32() > 2
                ? new[] { "$.priority: an outage must have priority 1 or 2" }
                : null));
        var inner = new ScriptedChatClient(
            ScriptedTurn.Reply("""{"category":"outage","priority":4}"""),
            ScriptedTurn.Reply("""{"category":"outage","priority":1}"""));
        IChatClient client = Governed(inner, Registry(contract));

        ChatResponse response = await client.GetResponseAsync(Ask(), TicketOptions());

        Assert.Equal("""{"category":"outage","priority":1}""", response.Text);
        Assert.Contains("$.priority: an outage must have priority 1 or 2", LastUserText(inner.Requests[1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypedValidator_SeesTheParsedValue()
    {
        PromptContract contract = TypedContract(c => c.WithOutputType(TriageJsonContext.Default.Triage));
        contract.Validators.Add(ContractValidator.Create<Triage>(t => t.Labels.Count == 0 ? new[] { "$.labels: give at least one label" } : null));
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("""{"category":"billing","priority":3,"labels":[]}"""));
        IChatClient client = Governed(inner, Registry(contract));

        var error = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetResponseAsync(Ask(), new ChatOptions().WithContract("typed.triage")));

        Assert.Equal(new[] { "attempt 1: $.labels: give at least one label" }, error.Violations);
    }

    [Fact]
    public async Task FreeTextContract_WithAValidator_ValidatesTheText()
    {
        var contract = new PromptContract { Id = "reply", Version = "1.0.0" };
        contract.Validators.Add(ContractValidator.Create(context => context.Text.Length > 20 ? new[] { "the reply must be at most 20 characters" } : null));
        var inner = new ScriptedChatClient(ScriptedTurn.Reply("This reply is certainly longer than twenty characters."));
        IChatClient client = Governed(inner, Registry(contract));

        var error = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetResponseAsync(Ask(), new ChatOptions().WithContract("reply")));

        Assert.Equal(new[] { "attempt 1: the reply must be at most 20 characters" }, error.Violations);
    }
}

public sealed class Triage
{
    public required string Category { get; init; }

    [Range(1, 5)]
    public int Priority { get; init; }

    [StringLength(80)]
    [RegularExpression("^[A-Z].*")]
    public string? Summary { get; init; }

    public required List<string> Labels { get; init; }
}

[JsonSerializable(typeof(Triage))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class TriageJsonContext : JsonSerializerContext;
