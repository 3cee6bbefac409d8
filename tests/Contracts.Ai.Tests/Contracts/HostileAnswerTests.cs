using Contracts.Ai;
using Contracts.Ai.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.AI;
using static Contracts.Ai.Tests.Contracts.ContractTestKit;

namespace Contracts.Ai.Tests.Contracts;

/// <summary>A generated hostile answer: lone surrogates, duplicate keys, numbers no double holds, deep nesting, junk.</summary>
public sealed record HostileAnswer(string Shape, string Text)
{
    public override string ToString() => Shape + ": " + (Text.Length > 120 ? Text[..120] + "..." : Text);
}

public static class HostileAnswers
{
    public static Arbitrary<HostileAnswer> Answers() => Gen.OneOf(
        Gen.Zip(Gen.Choose(0, ValidTicket.Length), Gen.Elements('\uD800', '\uDBFF', '\uDC00', '\uDFFF'))
            .Select(t => new HostileAnswer("lone surrogate", ValidTicket.Insert(t.Item1, t.Item2.ToString()))),
        Gen.Elements("\"category\":\"outage\"", "\"priority\":3", "\"category\":\"billing\"")
            .Select(d => new HostileAnswer("duplicate key", ValidTicket.Insert(1, d + ","))),
        Gen.Elements("1e400", "-1e400", "1e309", "123456789e999")
            .Select(n => new HostileAnswer("non-finite", $$"""{"category":"billing","priority":{{n}}}""")),
        Gen.Choose(60, 3000).Select(n => new HostileAnswer("deep", "{\"category\":\"billing\",\"priority\":2,\"x\":" + new string('[', n) + new string(']', n) + "}")),
        Gen.Elements("\\ud800", "\\udfff").Select(e => new HostileAnswer("escaped lone surrogate key", $$"""{"category":"billing","priority":2,"{{e}}":1}""")),
        Gen.ArrayOf(Gen.Elements('{', '}', '[', ']', '"', ':', ',', '1', 'e', '9', '\\', 'u', 'd', '8', '\uD800', ' '))
            .Select(chars => new HostileAnswer("junk", new string(chars))),
        Gen.Constant(new HostileAnswer("valid", ValidTicket))).ToArbitrary();
}

public class HostileAnswerTests
{
    [Property(Arbitrary = [typeof(HostileAnswers)], MaxTest = 300)]
    public void Every_answer_is_accepted_or_a_typed_contract_violation(HostileAnswer answer)
    {
        using IChatClient client = Governed(new ScriptedChatClient(ScriptedTurn.Reply(answer.Text)), Registry(TicketContract()));

        try
        {
            ChatResponse response = client.GetResponseAsync(Ask(), TicketOptions()).GetAwaiter().GetResult();
            Assert.Equal("valid", answer.Shape);
            Assert.Equal(ValidTicket, response.Text);
        }
        catch (ContractViolationException ex)
        {
            Assert.NotEqual("valid", answer.Shape);
            Assert.NotEmpty(ex.Violations);
        }
    }

    [Theory]
    [InlineData("lone surrogate", "{\"category\":\"bil<HIGH>ling\",\"priority\":2}", "UTF-16")]
    [InlineData("duplicate key", """{"category":"billing","category":"outage","priority":2}""", "twice")]
    [InlineData("non-finite", """{"category":"billing","priority":1e400}""", "$['priority']")]
    public async Task A_hostile_answer_is_re_asked_then_falls_back_like_any_violation(string shape, string answer, string named)
    {
        // Attribute data is stored as UTF-8, which cannot hold a lone surrogate: put it in here.
        answer = answer.Replace("<HIGH>", "\uD800", StringComparison.Ordinal);
        var inner = new ScriptedChatClient(ScriptedTurn.Reply(answer), ScriptedTurn.Reply(ValidTicket));
        using IChatClient reasking = Governed(inner, Registry(TicketContract(onFailure: ContractFailurePolicy.Reask, maxReasks: 1)));

        ChatResponse fixedUp = await reasking.GetResponseAsync(Ask(), TicketOptions());

        Assert.Equal(ValidTicket, fixedUp.Text);
        Assert.Contains(named, LastUserText(inner.Requests[1]), StringComparison.Ordinal);

        const string Fallback = """{"category":"other","priority":5}""";
        using IChatClient falling = Governed(new ScriptedChatClient(ScriptedTurn.Reply(answer)), Registry(TicketContract(onFailure: ContractFailurePolicy.Fallback, fallback: Fallback)));
        Assert.Equal(Fallback, (await falling.GetResponseAsync(Ask(), TicketOptions())).Text);

        using IChatClient throwing = Governed(new ScriptedChatClient(ScriptedTurn.Reply(answer)), Registry(TicketContract()));
        (ContractViolationException error, _) = await FailAsync(throwing, streaming: false, TicketOptions());
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        _ = shape;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_lone_surrogate_streamed_is_a_violation_too(bool streaming)
    {
        using IChatClient client = Governed(new ScriptedChatClient(ScriptedTurn.Reply("{\"category\":\"billing\uDC00\",\"priority\":2}")), Registry(TicketContract()));

        (ContractViolationException error, _) = await FailAsync(client, streaming, TicketOptions());

        Assert.Contains("UTF-16", error.Message);
    }
}
