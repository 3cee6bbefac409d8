using System.Text.Json;
using System.Text.RegularExpressions;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.SupportDesk;

/// <summary>
/// The scripted model the service runs on offline: it answers each route the way a real model would
/// (looks orders up with the tool, classifies tickets as JSON), deterministically.
/// </summary>
public static partial class SupportModel
{
    /// <summary>The model id the scripted model reports.</summary>
    public const string ModelId = "support-scripted-1";

    /// <summary>The system prompt of the answer route.</summary>
    public const string AnswerInstructions = "You are a support agent. Answer briefly. Use lookup_order for questions about an order.";

    /// <summary>The system prompt of the triage route.</summary>
    public const string TriageInstructions = "Classify the support ticket. Reply with JSON: {\"category\": billing|account|shipping|general, \"priority\": high|normal}.";

    /// <summary>Chooses the scripted answer for a request.</summary>
    /// <param name="request">The request the model received.</param>
    /// <returns>The answer.</returns>
    public static ScriptedTurn Respond(ScriptedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        IReadOnlyList<ChatMessage> messages = request.Messages;
        ChatMessage last = messages[^1];
        int promptTokens = EstimateTokens(messages);

        if (last.Contents.OfType<FunctionResultContent>().FirstOrDefault() is { } result)
        {
            string orderId = FindOrderId(messages) ?? "your order";
            return ScriptedTurn.Reply($"Order {orderId} is {ReadToolData(result.Result)}. Is there anything else I can help with?").WithUsage(promptTokens, 18);
        }

        string text = last.Text;
        string instructions = request.Options?.Instructions ?? string.Empty;
        if (instructions.Contains("Write the first reply to the customer", StringComparison.Ordinal))
        {
            return DraftReply(instructions).WithUsage(promptTokens, 40);
        }

        if (request.Options?.ResponseFormat is ChatResponseFormatJson || messages.Any(m => m.Role == ChatRole.System && m.Text.Contains("Classify", StringComparison.Ordinal)))
        {
            return ScriptedTurn.Json(JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["category"] = Categorize(text),
                ["priority"] = UrgentPattern().IsMatch(text) ? "high" : "normal",
            })).WithUsage(promptTokens, 12);
        }

        if (FindOrderId([last]) is { } id && request.Options?.Tools?.Any(t => t.Name == "lookup_order") == true)
        {
            return ScriptedTurn.CallTool("lookup_order", new Dictionary<string, object?> { ["orderId"] = id }).WithUsage(promptTokens, 9);
        }

        // A follow-up without an order id ("when will it arrive?") means the order the conversation is about:
        // only a model that sees the remembered turns (session memory) can answer it.
        if (FollowUpPattern().IsMatch(text) && FindOrderId(messages) is { } earlier && request.Options?.Tools?.Any(t => t.Name == "lookup_order") == true)
        {
            return ScriptedTurn.CallTool("lookup_order", new Dictionary<string, object?> { ["orderId"] = earlier }).WithUsage(promptTokens, 9);
        }

        return ScriptedTurn.Reply(Categorize(text) switch
        {
            "billing" => "Refunds are paid back to the original payment method within 5 working days.",
            "account" => "You can reset your password from the sign-in page with 'Forgot password'.",
            "shipping" => "Orders ship within 2 working days; tell me your order id and I will look it up.",
            _ => "Thanks for reaching out. A support agent will follow up by email.",
        }).WithUsage(promptTokens, 16);
    }

    /// <summary>
    /// Drafts a support.reply answer. Version 1.0.0 answers as its contract says. The 1.1.0 candidate is the
    /// scripted bad version: its answers drop needs_human and invent a category, so every one breaks the
    /// contract and the routing stage rolls the canary back once it has enough samples.
    /// </summary>
    private static ScriptedTurn DraftReply(string prompt)
    {
        string message = CustomerMessagePattern().Match(prompt) is { Success: true } match ? match.Groups[1].Value : prompt;
        string category = Categorize(message) switch
        {
            "general" => ReturnsPattern().IsMatch(message) ? "returns" : "other",
            string known => known,
        };

        if (prompt.Contains("needs_human", StringComparison.Ordinal))
        {
            return ScriptedTurn.Json("""{"reply": "We hear you and a colleague will call you back.", "category": "complaint"}""");
        }

        return ScriptedTurn.Json(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["reply"] = category switch
            {
                "shipping" => "Sorry about the wait. I am checking with the carrier and will update you today.",
                "billing" => "Sorry for the trouble with your payment. I am looking into it and will update you today.",
                "returns" => "You can return any item within 30 days from your account page.",
                "account" => "You can reset your password from the sign-in page with 'Forgot password'.",
                _ => "Thanks for reaching out. A colleague will follow up by email today.",
            },
            ["category"] = category,
        }));
    }

    private static string Categorize(string text) =>
        BillingPattern().IsMatch(text) ? "billing"
        : AccountPattern().IsMatch(text) ? "account"
        : ShippingPattern().IsMatch(text) ? "shipping"
        : "general";

    private static string? FindOrderId(IEnumerable<ChatMessage> messages)
    {
        foreach (ChatMessage message in messages.Reverse())
        {
            Match match = OrderIdPattern().Match(message.Text);
            if (match.Success)
            {
                return match.Value.ToUpperInvariant();
            }
        }

        return null;
    }

    private static int EstimateTokens(IEnumerable<ChatMessage> messages) => Math.Max(1, messages.Sum(m => m.Text.Length) / 4);

    [GeneratedRegex(@"\bA-\d{4}\b", RegexOptions.IgnoreCase)]
    private static partial Regex OrderIdPattern();

    [GeneratedRegex(@"refund|charge|invoice|payment|billing", RegexOptions.IgnoreCase)]
    private static partial Regex BillingPattern();

    [GeneratedRegex(@"password|log ?in|sign ?in|account", RegexOptions.IgnoreCase)]
    private static partial Regex AccountPattern();

    [GeneratedRegex(@"order|ship|deliver|parcel|package", RegexOptions.IgnoreCase)]
    private static partial Regex ShippingPattern();

    [GeneratedRegex(@"<<<\s*(.*?)\s*>>>", RegexOptions.Singleline)]
    private static partial Regex CustomerMessagePattern();

    [GeneratedRegex(@"return|exchange", RegexOptions.IgnoreCase)]
    private static partial Regex ReturnsPattern();

    [GeneratedRegex(@"urgent|asap|immediately|down|outage", RegexOptions.IgnoreCase)]
    private static partial Regex UrgentPattern();

    /// <summary>Reads a tool result the way a model would: the data inside the spotlighting markers, a JSON string as its text.</summary>
    private static string ReadToolData(object? result)
    {
        string text = result?.ToString() ?? string.Empty;
        text = text.Replace("<</untrusted-data>>", string.Empty, StringComparison.Ordinal)
            .Replace("<<untrusted-data>>", string.Empty, StringComparison.Ordinal)
            .Trim();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize<string>(text) ?? text;
            }
            catch (System.Text.Json.JsonException)
            {
                return text;
            }
        }

        return text;
    }

    [GeneratedRegex(@"\b(it|that order|my order)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FollowUpPattern();
}
