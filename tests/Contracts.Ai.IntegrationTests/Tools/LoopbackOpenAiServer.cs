using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai.IntegrationTests.Tools;

/// <summary>One scripted answer of the loopback endpoint: text, or tool calls (several = parallel tool calls).</summary>
public sealed record WireTurn(string? Text, IReadOnlyList<(string Id, string Name, string Arguments)> ToolCalls)
{
    public static WireTurn Reply(string text) => new(text, []);

    public static WireTurn Call(params (string Id, string Name, string Arguments)[] calls) => new(null, calls);
}

/// <summary>
/// An OpenAI-compatible <c>/v1/chat/completions</c> endpoint served by Kestrel on 127.0.0.1 with a random
/// port, answering from a script, as JSON or as server-sent events when the request asks to stream.
/// </summary>
public sealed class LoopbackOpenAiServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<WireTurn> _turns = new();
    private readonly ConcurrentQueue<JsonNode> _requests = new();
    private readonly WebApplication _app;

    private LoopbackOpenAiServer(WebApplication app)
    {
        _app = app;
    }

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Gets the request bodies received, in order.</summary>
    public IReadOnlyList<JsonNode> Requests => _requests.ToArray();

    public static async Task<LoopbackOpenAiServer> StartAsync(params WireTurn[] turns)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var server = new LoopbackOpenAiServer(app);
        foreach (WireTurn turn in turns)
        {
            server._turns.Enqueue(turn);
        }

        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.Single().TrimEnd('/');
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The tool messages of request <paramref name="index"/>, by tool call id.</summary>
    public Dictionary<string, string> ToolMessages(int index) =>
        Requests[index]["messages"]!.AsArray()
            .Where(m => (string?)m!["role"] == "tool")
            .ToDictionary(m => (string)m!["tool_call_id"]!, m => ContentOf(m!["content"]));

    private static string ContentOf(JsonNode? content) => content switch
    {
        JsonValue value => (string)value!,
        JsonArray parts => string.Concat(parts.Select(p => (string?)p!["text"])),
        _ => string.Empty,
    };

    private async Task HandleAsync(HttpContext context)
    {
        JsonNode body = (await JsonNode.ParseAsync(context.Request.Body))!;
        _requests.Enqueue(body);
        if (!_turns.TryDequeue(out WireTurn? turn))
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("""{"error":{"message":"the script has no turn left","type":"server_error"}}""");
            return;
        }

        string model = (string?)body["model"] ?? "gpt-test";
        if ((bool?)body["stream"] == true)
        {
            context.Response.ContentType = "text/event-stream";
            foreach (JsonObject chunk in Chunks(turn, model))
            {
                await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n");
                await context.Response.Body.FlushAsync();
            }

            await context.Response.WriteAsync("data: [DONE]\n\n");
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Completion(turn, model).ToJsonString());
    }

    private static JsonObject Completion(WireTurn turn, string model)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = turn.Text };
        if (turn.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray(turn.ToolCalls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            }).ToArray());
        }

        return new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = turn.ToolCalls.Count > 0 ? "tool_calls" : "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 20, ["completion_tokens"] = 5, ["total_tokens"] = 25 },
        };
    }

    private static IEnumerable<JsonObject> Chunks(WireTurn turn, string model)
    {
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        JsonObject Chunk(JsonObject delta, string? finish) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };

        yield return Chunk(new JsonObject { ["role"] = "assistant" }, null);
        if (turn.Text is not null)
        {
            foreach (string word in turn.Text.Split(' '))
            {
                yield return Chunk(new JsonObject { ["content"] = word + " " }, null);
            }
        }

        for (int i = 0; i < turn.ToolCalls.Count; i++)
        {
            (string callId, string name, string arguments) = turn.ToolCalls[i];
            yield return Chunk(ToolDelta(i, new JsonObject { ["id"] = callId, ["type"] = "function", ["function"] = new JsonObject { ["name"] = name, ["arguments"] = "" } }), null);

            // Arguments arrive in pieces, as providers stream them.
            int half = arguments.Length / 2;
            yield return Chunk(ToolDelta(i, new JsonObject { ["function"] = new JsonObject { ["arguments"] = arguments[..half] } }), null);
            yield return Chunk(ToolDelta(i, new JsonObject { ["function"] = new JsonObject { ["arguments"] = arguments[half..] } }), null);
        }

        yield return Chunk(new JsonObject(), turn.ToolCalls.Count > 0 ? "tool_calls" : "stop");
    }

    private static JsonObject ToolDelta(int index, JsonObject call)
    {
        call["index"] = index;
        return new JsonObject { ["tool_calls"] = new JsonArray(call) };
    }
}
