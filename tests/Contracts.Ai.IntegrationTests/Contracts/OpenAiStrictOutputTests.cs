using System.ClientModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Contracts.Ai;
using Contracts.Ai.IntegrationTests.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

namespace Contracts.Ai.IntegrationTests.Contracts;

/// <summary>The response format a contract sends, as the real OpenAI .NET client puts it on the wire.</summary>
public class OpenAiStrictOutputTests
{
    private const string StrictSchema = """
        {"type":"object","properties":{"category":{"type":"string","enum":["billing","outage","other"]},"priority":{"type":"integer","minimum":1,"maximum":5}},"required":["category","priority"],"additionalProperties":false}
        """;

    private const string Answer = """{"category":"billing","priority":2}""";

    private static PromptContract Contract(string schema) => new()
    {
        Id = "support.triage",
        Version = "1.0.0",
        Template = "Classify the ticket: {{ticket}}",
        Inputs = { new ContractInput { Name = "ticket" } },
        OutputSchema = JsonDocument.Parse(schema).RootElement.Clone(),
    };

    private static async Task<JsonNode> SendAsync(LoopbackOpenAiServer server, PromptContract contract, bool streaming, Action<GovernedAiOptions>? configure = null, IList<AITool>? tools = null)
    {
        IChatClient openAi = new OpenAI.Chat.ChatClient("gpt-4o-mini", new ApiKeyCredential("test"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") })
            .AsIChatClient();
        var services = new ServiceCollection();
        services.AddChatClient(openAi).UseFunctionInvocation();
        services.AddGovernedAi(configure).AddContract(contract);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        ChatOptions options = new ChatOptions { Tools = tools }.WithContract("support.triage", new { ticket = "I was charged twice." });

        ChatResponse response = streaming
            ? await chat.GetStreamingResponseAsync("Please classify.", options).ToChatResponseAsync()
            : await chat.GetResponseAsync("Please classify.", options);

        Assert.Equal(Answer, response.Text.Trim());
        return Assert.Single(server.Requests)["response_format"]!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_strict_shaped_schema_is_sent_with_strict_true(bool streaming)
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(WireTurn.Reply(Answer));

        JsonNode format = await SendAsync(server, Contract(StrictSchema), streaming);

        Assert.Equal("json_schema", (string?)format["type"]);
        Assert.True((bool?)format["json_schema"]!["strict"], server.Requests[0].ToJsonString());
        Assert.Equal("support_triage", (string?)format["json_schema"]!["name"]);
        Assert.Equal(["category", "priority"], format["json_schema"]!["schema"]!["required"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task The_option_turns_strict_off()
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(WireTurn.Reply(Answer));

        JsonNode format = await SendAsync(server, Contract(StrictSchema), streaming: false, o => o.Contracts.StrictOutputSchema = false);

        Assert.Equal("json_schema", (string?)format["type"]);
        Assert.NotEqual(true, (bool?)format["json_schema"]!["strict"]);
    }

    [Fact]
    public async Task A_schema_with_an_optional_property_is_not_sent_strict()
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(WireTurn.Reply(Answer));
        string optional = StrictSchema.Replace("\"required\":[\"category\",\"priority\"]", "\"required\":[\"category\"]", StringComparison.Ordinal);

        JsonNode format = await SendAsync(server, Contract(optional), streaming: false);

        Assert.NotEqual(true, (bool?)format["json_schema"]!["strict"]);
    }

    [Fact]
    public async Task Tools_that_would_inherit_strictness_keep_the_request_non_strict()
    {
        await using LoopbackOpenAiServer server = await LoopbackOpenAiServer.StartAsync(WireTurn.Reply(Answer));
        AIFunction tool = AIFunctionFactory.Create((int id, string? note) => "ok", "lookup_order");

        JsonNode format = await SendAsync(server, Contract(StrictSchema), streaming: false, tools: [tool]);

        Assert.NotEqual(true, (bool?)format["json_schema"]!["strict"]);
        JsonNode function = Assert.Single(server.Requests)["tools"]![0]!["function"]!;
        Assert.NotEqual(true, (bool?)function["strict"]);
    }
}
