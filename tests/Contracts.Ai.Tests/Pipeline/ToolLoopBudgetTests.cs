using System.Text;
using System.Text.Json;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Pipeline;

/// <summary>
/// A tool loop whose results outgrow the context window, through MEAI's real FunctionInvokingChatClient on
/// both adoption paths: every model call the provider receives must fit, carry no tool result without its
/// call, and carry the newest tool result.
/// </summary>
public class ToolLoopBudgetTests
{
    private const int Window = 6_000;
    private const int Reserved = 500;
    private const int ToolCalls = 6;
    private const string Model = "gpt-4o";

    public static TheoryData<bool, bool> Paths() => new()
    {
        { false, false },
        { false, true },
        { true, false },
        { true, true },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Every_model_call_of_a_growing_tool_loop_fits_the_window(bool dependencyInjection, bool streaming)
    {
        var provider = new ScriptedChatClient(Respond) { ModelId = Model };
        int toolRuns = 0;
        AIFunction readLog = AIFunctionFactory.Create(
            (int page) =>
            {
                Interlocked.Increment(ref toolRuns);
                return LogPage(page);
            },
            "read_log",
            "Reads one page of the service log.");

        using ServiceProvider? services = dependencyInjection ? BuildServices(provider) : null;
        using IChatClient client = services is not null
            ? services.GetRequiredService<IChatClient>()
            : new ChatClientBuilder(provider).UseGovernedAi(Budget).Build();

        ChatResponse response = await client.AskAsync(
            [new ChatMessage(ChatRole.System, "You read logs."), new ChatMessage(ChatRole.User, "Why did the service restart?")],
            new ChatOptions { Tools = [readLog] },
            streaming);

        Assert.Equal("The heartbeat timed out.", response.Text);
        Assert.Equal(ToolCalls, toolRuns);
        IReadOnlyList<ScriptedRequest> requests = provider.Requests;
        Assert.Equal(ToolCalls + 1, requests.Count);

        TiktokenTokenCounter counter = TiktokenTokenCounter.ForModel(Model);
        for (int i = 0; i < requests.Count; i++)
        {
            ScriptedRequest request = requests[i];
            int tokens = Count(request, counter);
            Assert.True(tokens <= Window - Reserved, $"model call {i + 1} carried {tokens} tokens; the window leaves {Window - Reserved}.");
            AssertEveryResultHasItsCall(request, i);
            if (i > 0)
            {
                Assert.Contains(Results(request), r => r.CallId == CallId(i - 1));
            }
        }

        // The loop really outgrew the window: the last call could not carry the first result.
        Assert.DoesNotContain(Results(requests[^1]), r => r.CallId == CallId(0));
        Assert.Equal("Why did the service restart?", requests[^1].Messages.Last(m => m.Role == ChatRole.User).Text);
    }

    private static ServiceProvider BuildServices(ScriptedChatClient provider)
    {
        var services = new ServiceCollection();
        services.AddChatClient(provider).UseFunctionInvocation();
        services.AddGovernedAi(Budget);
        return services.BuildServiceProvider();
    }

    private static void Budget(GovernedAiOptions options)
    {
        options.TokenBudget.ContextWindowTokens = Window;
        options.TokenBudget.ReservedOutputTokens = Reserved;
    }

    private static ScriptedTurn Respond(ScriptedRequest request)
    {
        int step = 0;
        foreach (ChatMessage message in request.Messages)
        {
            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionResultContent result)
                {
                    step = Math.Max(step, int.Parse(result.CallId.AsSpan("call-".Length), provider: null) + 1);
                }
            }
        }

        return step < ToolCalls
            ? ScriptedTurn.CallTool("read_log", new Dictionary<string, object?> { ["page"] = step }, CallId(step))
            : ScriptedTurn.Reply("The heartbeat timed out.");
    }

    private static string CallId(int step) => $"call-{step}";

    private static string LogPage(int page)
    {
        var text = new StringBuilder();
        for (int line = 0; line < 70; line++)
        {
            text.Append("page ").Append(page).Append(" line ").Append(line)
                .Append(": worker alpha reported a slow heartbeat while the queue drained and the scheduler waited for the lease.\n");
        }

        return text.ToString();
    }

    private static IEnumerable<FunctionResultContent> Results(ScriptedRequest request) =>
        request.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>();

    private static void AssertEveryResultHasItsCall(ScriptedRequest request, int index)
    {
        var calls = new HashSet<string>();
        foreach (ChatMessage message in request.Messages)
        {
            foreach (AIContent content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    calls.Add(call.CallId);
                }
                else if (content is FunctionResultContent result)
                {
                    Assert.True(calls.Contains(result.CallId), $"model call {index + 1} carried the result of {result.CallId} without its call.");
                }
            }
        }
    }

    /// <summary>A deliberately generous count of what the provider is sent, with the real tokenizer: OpenAI's per-message overhead, every text, call and result, and the tool declarations.</summary>
    private static int Count(ScriptedRequest request, TiktokenTokenCounter counter)
    {
        int total = 3;
        foreach (ChatMessage message in request.Messages)
        {
            total += 4 + counter.CountTokens(message.Role.Value);
            foreach (AIContent content in message.Contents)
            {
                total += content switch
                {
                    TextContent text => counter.CountTokens(text.Text),
                    FunctionCallContent call => 8 + counter.CountTokens(call.CallId) + counter.CountTokens(call.Name) + counter.CountTokens(JsonSerializer.Serialize(call.Arguments)),
                    FunctionResultContent result => 8 + counter.CountTokens(result.CallId) + counter.CountTokens(result.Result?.ToString() ?? string.Empty),
                    _ => 0,
                };
            }
        }

        total += counter.CountTokens(request.Options?.Instructions ?? string.Empty);
        foreach (AITool tool in request.Options?.Tools ?? [])
        {
            total += 16 + counter.CountTokens(tool.Name) + counter.CountTokens(tool.Description);
            if (tool is AIFunctionDeclaration declaration)
            {
                total += counter.CountTokens(declaration.JsonSchema.GetRawText());
            }
        }

        return total;
    }
}
