// Contracts.Ai quickstart: one governed call, end to end.
// Offline by default (an embedded scripted model: no key, no network). With OPENAI_API_KEY set it
// calls OpenAI through Microsoft.Extensions.AI.OpenAI (model from OPENAI_MODEL, default gpt-4o-mini).
using System.ClientModel;
using System.Diagnostics;
using Contracts.Ai;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

using var spans = SpanPrinter.Start();

string? apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
string model = Environment.GetEnvironmentVariable("OPENAI_MODEL") ?? "gpt-4o-mini";

var services = new ServiceCollection();
if (string.IsNullOrWhiteSpace(apiKey))
{
    Console.WriteLine("Model: embedded scripted model (offline). Set OPENAI_API_KEY to call OpenAI.");
    services.AddSingleton<IChatClient>(new ScriptedChatClient(
        ScriptedTurn.Reply("Your order 1042 ships tomorrow.").WithUsage(120, 9)));
}
else
{
    Console.WriteLine($"Model: OpenAI {model}.");
    services.AddSingleton<IChatClient>(new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(apiKey)).AsIChatClient());
}

services.AddGovernedAi();
using ServiceProvider provider = services.BuildServiceProvider();
IChatClient chat = provider.GetRequiredService<IChatClient>();

try
{
    ChatOptions options = new ChatOptions().WithTenant("acme", "user-7");
    ChatResponse response = await chat.GetResponseAsync("When does order 1042 ship?", options);
    Console.WriteLine($"Answer: {response.Text}");
}
catch (ClientResultException ex)
{
    Console.Error.WriteLine($"OpenAI refused the call (HTTP {ex.Status}): check OPENAI_API_KEY and OPENAI_MODEL.");
    return 1;
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"OpenAI could not be reached: {ex.Message}");
    return 1;
}

return 0;

/// <summary>Prints each Contracts.Ai span as it ends, with its attributes.</summary>
internal sealed class SpanPrinter : IDisposable
{
    private readonly ActivityListener _listener;

    private SpanPrinter()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GovernedAiTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                string tags = string.Join(", ", activity.TagObjects.Select(t => $"{t.Key}={t.Value}"));
                Console.WriteLine($"  span {activity.DisplayName} ({activity.Duration.TotalMilliseconds:F1} ms){(tags.Length > 0 ? ": " + tags : string.Empty)}");
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public static SpanPrinter Start() => new();

    public void Dispose() => _listener.Dispose();
}
