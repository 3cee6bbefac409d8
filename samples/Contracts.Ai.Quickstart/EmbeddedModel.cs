using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Quickstart;

/// <summary>The offline model: a scripted client that answers each scene of the quickstart the way a real model might.</summary>
internal static class EmbeddedModel
{
    private static int _addressConfirmations;

    public static int AddressConfirmations => Volatile.Read(ref _addressConfirmations);

    public static IChatClient Create() => new ScriptedChatClient(Answer) { ModelId = "scripted-gpt" };

    private static ScriptedTurn Answer(ScriptedRequest request)
    {
        string? contract = GovernanceContext.Current?.ContractId;
        return contract switch
        {
            "support.triage" => Triage(request),
            "order.desk" => OrderDesk(request),
            _ when request.Messages[^1].Text.Contains("address", StringComparison.OrdinalIgnoreCase) => ConfirmAddress(),
            _ => ScriptedTurn.Reply("We agreed that parcels can go to a pick-up point or be rescheduled online.").WithUsage(900, 14),
        };
    }

    private static ScriptedTurn Triage(ScriptedRequest request) =>
        request.Messages.Any(m => m.Role == ChatRole.Assistant)
            ? ScriptedTurn.Reply("""{"category":"billing","priority":"high","summary":"Damaged parcel and a double charge on order A-1001."}""").WithUsage(260, 24)
            : ScriptedTurn.Reply("""Sure! Here is the triage: {"category":"billing","priority":"urgent","summary":"Damaged parcel, double charge"}""").WithUsage(180, 22);

    private static ScriptedTurn OrderDesk(ScriptedRequest request)
    {
        int results = request.Messages.Sum(m => m.Contents.OfType<FunctionResultContent>().Count());
        return results switch
        {
            0 => ScriptedTurn.CallTool("get_order", Args(("orderId", "A-1001"))),

            // The model asks for the refund twice (a retried turn with reworded free text): it must run once.
            1 => ScriptedTurn.CallTools(
                new FunctionCallContent("call_r1", "refund_order", Args(("orderId", "A-1001"), ("reason", "parcel arrived crushed"))),
                new FunctionCallContent("call_r2", "refund_order", Args(("orderId", "A-1001"), ("reason", "the parcel was crushed on arrival")))),
            3 => ScriptedTurn.CallTool("get_invoice", Args(("orderId", "A-1001"))),
            _ => ScriptedTurn.Reply("Your refund for order A-1001 is issued (once). The invoice service is unavailable right now; I will email it later.").WithUsage(420, 31),
        };
    }

    private static ScriptedTurn ConfirmAddress()
    {
        Interlocked.Increment(ref _addressConfirmations);
        return ScriptedTurn.Reply("Your address is now 12 Analytical Way.").WithUsage(60, 9);
    }

    private static Dictionary<string, object?> Args(params (string Name, object? Value)[] arguments) =>
        arguments.ToDictionary(a => a.Name, a => a.Value);
}
