using System.ClientModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Contracts.Ai;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Contracts.Ai.IntegrationTests.Tools;

/// <summary>Governed tools over the real OpenAI .NET client, against a loopback OpenAI-compatible endpoint.</summary>
public class OpenAiWireToolGovernanceTests
{
    private const string Secret = "SECRET-PAYLOAD-4242";

    private static readonly JsonElement OrderSchema = JsonDocument.Parse("""
        {"type":"object","properties":{"id":{"type":"integer"},"status":{"type":"string","enum":["open","shipped"]}},"required":["id","status"],"additionalProperties":false}
        """).RootElement.Clone();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_malformed_tool_output_is_withheld_and_the_model_recovers(bool streaming)
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(
            WireTurn.Call(("call_1", "get_order", """{"id":1042}""")),
            WireTurn.Reply("I could not read order 1042 right now."));
        int calls = 0;
        AIFunction tool = AIFunctionFactory.Create((int id) => { calls++; return "<html><body>502 Bad Gateway " + Secret + "</body></html>"; }, "get_order", "Gets an order.")
            .WithOutputSchema(OrderSchema);
        using IChatClient client = Pipeline(server);

        ChatResponse response = await GetAsync(client, tool, streaming);

        Assert.Equal(1, calls);
        Assert.Equal("I could not read order 1042 right now.", response.Text.Trim());
        Assert.Equal(2, server.Requests.Count);
        string sent = server.ToolMessages(1)["call_1"];
        Assert.Contains("tool_output_rejected", sent);
        Assert.Contains("notJson", sent);
        Assert.DoesNotContain(Secret, sent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Parallel_tool_calls_one_rejected_the_others_reach_the_model(bool streaming)
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(
            WireTurn.Call(
                ("call_a", "get_order", """{"id":1}"""),
                ("call_b", "get_order", """{"id":2}"""),
                ("call_c", "get_order", """{"id":3}""")),
            WireTurn.Reply("Orders 1 and 3 are open."));
        AIFunction tool = AIFunctionFactory.Create(
                (int id) => id == 2 ? $$"""{"id":2,"status":"lost","debug":"{{Secret}}"}""" : $$"""{"id":{{id}},"status":"open"}""",
                "get_order")
            .WithOutputSchema(OrderSchema);
        using IChatClient client = Pipeline(server, concurrent: true);

        ChatResponse response = await GetAsync(client, tool, streaming);

        Assert.Equal("Orders 1 and 3 are open.", response.Text.Trim());
        Dictionary<string, string> results = server.ToolMessages(1);
        Assert.Equal("open", JsonDocument.Parse(results["call_a"]).RootElement.GetProperty("status").GetString());
        Assert.Equal("open", JsonDocument.Parse(results["call_c"]).RootElement.GetProperty("status").GetString());
        Assert.Contains("tool_output_rejected", results["call_b"]);
        Assert.DoesNotContain(Secret, results["call_b"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invalid_arguments_never_run_the_tool_and_the_corrected_call_does(bool streaming)
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(
            WireTurn.Call(("call_1", "get_order", """{"id":"one thousand","verbose":true}""")),
            WireTurn.Call(("call_2", "get_order", """{"id":1042}""")),
            WireTurn.Reply("Order 1042 is open."));
        var seen = new List<int>();
        AIFunction tool = AIFunctionFactory.Create((int id) => { seen.Add(id); return $$"""{"id":{{id}},"status":"open"}"""; }, "get_order")
            .WithOutputContract(WireJsonContext.Default.WireOrder);
        using IChatClient client = Pipeline(server);

        ChatResponse response = await GetAsync(client, tool, streaming);

        Assert.Equal([1042], seen);
        Assert.Equal("Order 1042 is open.", response.Text.Trim());
        string rejected = server.ToolMessages(1)["call_1"];
        Assert.Contains("tool_arguments_rejected", rejected);
        Assert.Contains("$.verbose", rejected);
        Assert.Contains("$.id", rejected);
        Assert.Equal(1042, JsonDocument.Parse(server.ToolMessages(2)["call_2"]).RootElement.GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Under_the_throw_policy_the_rejection_surfaces_and_the_model_is_not_asked_again(bool streaming)
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(
            WireTurn.Call(("call_1", "get_order", """{"id":1042}""")),
            WireTurn.Reply("never sent"));
        AIFunction tool = AIFunctionFactory.Create((int id) => """{"id":1042}""", "get_order").WithOutputSchema(OrderSchema);
        using IChatClient client = Pipeline(server, configure: o => o.OnRejection = ToolRejectionPolicy.Throw);

        ToolOutputViolationException ex = await Assert.ThrowsAsync<ToolOutputViolationException>(() => GetAsync(client, tool, streaming));

        Assert.Equal("get_order", ex.ToolName);
        Assert.Contains(ex.Violations, v => v.Kind == "required");
        Assert.Single(server.Requests);
    }

    private static IChatClient Pipeline(LoopbackOpenAiServer server, Action<ToolGovernanceOptions>? configure = null, bool concurrent = false)
    {
        IChatClient openAi = new OpenAI.Chat.ChatClient("gpt-test", new ApiKeyCredential("test"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") })
            .AsIChatClient();
        return new ChatClientBuilder(openAi)
            .UseToolGovernance(configure ?? (_ => { }))
            .UseFunctionInvocation(configure: f => f.AllowConcurrentInvocation = concurrent)
            .Build();
    }

    private static async Task<ChatResponse> GetAsync(IChatClient client, AIFunction tool, bool streaming)
    {
        var options = new ChatOptions { Tools = [tool] };
        return streaming
            ? await client.GetStreamingResponseAsync("What is the status of order 1042?", options).ToChatResponseAsync()
            : await client.GetResponseAsync("What is the status of order 1042?", options);
    }
}

public sealed class WireOrder
{
    [JsonPropertyName("id")]
    public required int Id { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }
}

[JsonSerializable(typeof(WireOrder))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
