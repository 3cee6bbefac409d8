// Contracts.Ai quickstart: governed calls end to end.
//
// Offline by default: an embedded scripted model answers (no key, no network). With OPENAI_API_KEY
// set, the same governed calls go to OpenAI through Microsoft.Extensions.AI.OpenAI (model from
// OPENAI_MODEL, default gpt-4o-mini); a real model decides for itself which tools to call.
using System.ClientModel;
using System.Text.Json;
using Contracts.Ai;
using Contracts.Ai.Quickstart;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

string? apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
string model = Environment.GetEnvironmentVariable("OPENAI_MODEL") ?? "gpt-4o-mini";
bool offline = string.IsNullOrWhiteSpace(apiKey);

using var spans = new SpanPrinter();
var store = new OrderStore();

var services = new ServiceCollection();
IChatClient provider = offline
    ? EmbeddedModel.Create()
    : new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(apiKey!)).AsIChatClient();

// The app's own pipeline, as it is today: the provider plus MEAI's tool loop. The recorder only lets this
// quickstart show what reached the model (the rejected answer and the errors sent back on re-ask).
ModelCallRecorder? recorder = null;
services.AddSingleton(new ChatClientBuilder(provider)
    .UseFunctionInvocation()
    .Use(inner => recorder = new ModelCallRecorder(inner))
    .Build());

// One line adopts governance; the prompt contracts come from the files in prompts/ (embedded in this app).
services.AddGovernedAi(o =>
    {
        o.TokenBudget.ContextWindowTokens = 4_000;   // small on purpose, so the long conversation below is trimmed
        o.TokenBudget.ReservedOutputTokens = 500;
        o.TokenBudget.SafetyMarginTokens = 100;
    })
    .AddPromptsFromEmbeddedResources(typeof(OrderStore).Assembly);

using ServiceProvider app = services.BuildServiceProvider();
IChatClient chat = app.GetRequiredService<IChatClient>();

Console.WriteLine(offline
    ? "Model: embedded scripted model (offline). Set OPENAI_API_KEY to run the same calls on OpenAI."
    : $"Model: OpenAI {model}.");

try
{
    // 1. A prompt contract: the first answer breaks the output schema, the re-ask passes.
    Section("1. Contract support.triage: validate the answer, re-ask with the errors");
    ChatResponse triage = await chat.GetResponseAsync(
        "My parcel arrived crushed and I was charged twice. Order A-1001.",
        new ChatOptions()
            .WithContract("support.triage", new Dictionary<string, object?> { ["customer"] = "Ada Lovelace", ["channel"] = "email" })
            .WithTenant("acme", "ada"));
    PrintReask(recorder!);
    Console.WriteLine($"   final answer: {triage.Text}");
    Console.WriteLine($"   validation: {triage.GetContractValidationOutcome()}");
    spans.Print();

    // 2. Token budgeting: a long conversation is trimmed to fit the context window.
    Section("2. Budget: a 120-message conversation in a 4,000-token window");
    List<ChatMessage> history = LongConversation(120);
    ChatResponse summary = await chat.GetResponseAsync(history, new ChatOptions().WithTenant("acme", "ada"));
    Console.WriteLine($"   answer: {summary.Text}");
    Console.WriteLine($"   the caller's list still holds {history.Count} messages");
    spans.Print();

    // 3. Strict tools: typed output contract, an idempotent refund called twice, an HTML error page rejected.
    Section("3. Tools: validated calls, an idempotent refund, a rejected tool output");
    ChatOptions orderDesk = new ChatOptions
    {
        Tools =
        [
            AIFunctionFactory.Create(store.GetOrder, "get_order", "Looks up an order.").WithOutputContract<Order>(QuickstartJson.Default.Order),
            AIFunctionFactory.Create(store.RefundOrder, "refund_order", "Refunds an order once.").AsIdempotent("orderId"),
            AIFunctionFactory.Create(store.GetInvoice, "get_invoice", "Fetches an invoice.").WithOutputContract<Invoice>(QuickstartJson.Default.Invoice),
            AIFunctionFactory.Create(() => "deleted", "delete_account", "Deletes the customer's account."),
        ],
    }.WithContract("order.desk", new Dictionary<string, object?> { ["customer"] = "Ada Lovelace" }).WithTenant("acme", "ada");
    orderDesk.GetGovernanceContext()!.ConversationId = "conv-42";
    ChatResponse resolution = await chat.GetResponseAsync("Please refund order A-1001 and send me the invoice.", orderDesk);
    Console.WriteLine(TypedOrder(resolution) is { } order
        ? $"   get_order, parsed strictly into the typed record: {order}"
        : "   no get_order result in the response");
    Console.WriteLine($"   answer: {resolution.Text}");
    Console.WriteLine($"   refund_order ran {store.Refunds} time(s); delete_account was not offered (not on the contract's allow-list)");
    spans.Print();

    // 4. Request idempotency: a retried request with the same key is answered from the store.
    Section("4. Request idempotency: the same request sent twice with one key");
    for (int attempt = 1; attempt <= 2; attempt++)
    {
        ChatResponse reply = await chat.GetResponseAsync(
            "Confirm my address change to 12 Analytical Way.",
            new ChatOptions().WithTenant("acme", "ada").WithIdempotencyKey("address-change-7781"));
        Console.WriteLine($"   attempt {attempt}: {reply.Text}");
    }

    Console.WriteLine($"   the model was called {EmbeddedModel.AddressConfirmations} time(s)");
    spans.Print();
}
catch (Exception ex) when (!offline && DescribeOpenAiFailure(ex) is { } reason)
{
    Console.Error.WriteLine(reason);
    return 1;
}
catch (GovernedAiException ex)
{
    Console.Error.WriteLine($"Governance stopped the call: {ex.Message}");
    return 1;
}

return 0;

// The OpenAI client retries, then may wrap its failures; say in one line what went wrong.
static string? DescribeOpenAiFailure(Exception exception)
{
    Exception first = exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions[0] : exception;
    return first switch
    {
        ClientResultException { Status: > 0 } refused =>
            $"OpenAI refused the call (HTTP {refused.Status}): check OPENAI_API_KEY and OPENAI_MODEL.",
        ClientResultException or HttpRequestException =>
            $"OpenAI could not be reached ({(first.InnerException ?? first).Message}). Check the network, or unset OPENAI_API_KEY to run offline.",
        _ => null,
    };
}

static void Section(string title) => Console.WriteLine($"{Environment.NewLine}{title}");

// What the contract stage did between the model calls: the rejected answer and the errors it sent back.
static void PrintReask(ModelCallRecorder recorder)
{
    IReadOnlyList<IReadOnlyList<ChatMessage>> calls = recorder.Calls;
    recorder.Clear();
    if (calls.Count < 2)
    {
        Console.WriteLine("   the first answer passed: no re-ask was needed");
        return;
    }

    IReadOnlyList<ChatMessage> reask = calls[1];
    ChatMessage? rejected = reask.LastOrDefault(m => m.Role == ChatRole.Assistant);
    ChatMessage? feedback = reask.LastOrDefault(m => m.Role == ChatRole.User);
    Console.WriteLine($"   first answer (rejected): {rejected?.Text}");
    Console.WriteLine("   sent back to the model:");
    foreach (string line in (feedback?.Text ?? string.Empty).Split('\n'))
    {
        Console.WriteLine($"     | {line.TrimEnd()}");
    }
}

// The get_order result as the tool loop received it, read into the typed record its output contract promised.
static Order? TypedOrder(ChatResponse response)
{
    string? getOrderCall = null;
    foreach (AIContent content in response.Messages.SelectMany(m => m.Contents))
    {
        switch (content)
        {
            case FunctionCallContent { Name: "get_order" } call:
                getOrderCall = call.CallId;
                break;
            case FunctionResultContent result when getOrderCall is not null && result.CallId == getOrderCall:
                return result.Result switch
                {
                    Order order => order,
                    JsonElement { ValueKind: JsonValueKind.Object } json => json.Deserialize(QuickstartJson.Default.Order),

                    // Data protection hands tool output to the model inside <<untrusted-data>> markers.
                    string text when text.IndexOf('{') is >= 0 and int start && text.LastIndexOf('}') is int end && end > start =>
                        JsonSerializer.Deserialize(text.AsSpan(start, end - start + 1), QuickstartJson.Default.Order),
                    _ => null,
                };
        }
    }

    return null;
}

static List<ChatMessage> LongConversation(int count)
{
    var messages = new List<ChatMessage> { new(ChatRole.System, "You are Acme's support assistant. Be brief.") };
    for (int i = 0; messages.Count < count - 1; i++)
    {
        messages.Add(new ChatMessage(ChatRole.User, $"Question {i}: can you tell me about the delivery options for parcel {i}, including weekend slots, pick-up points and what happens when nobody is home?"));
        messages.Add(new ChatMessage(ChatRole.Assistant, $"Answer {i}: parcel {i} can be delivered on weekdays or Saturdays, left at a pick-up point, or rescheduled online when nobody is home."));
    }

    messages.Add(new ChatMessage(ChatRole.User, "Summarise what we agreed in one sentence."));
    return messages;
}
