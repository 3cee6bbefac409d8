using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Contracts;

/// <summary>Builds contracts, governed clients and calls for the contract tests.</summary>
internal static class ContractTestKit
{
    public const string TicketSchema = """
        {
          "type": "object",
          "properties": {
            "category": { "type": "string", "enum": ["billing", "outage", "other"] },
            "priority": { "type": "integer", "minimum": 1, "maximum": 5 }
          },
          "required": ["category", "priority"],
          "additionalProperties": false
        }
        """;

    public const string ValidTicket = """{"category":"billing","priority":2}""";

    public static JsonElement ParseJson(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static PromptContract TicketContract(
        string id = "support.triage",
        string version = "1.0.0",
        ContractFailurePolicy onFailure = ContractFailurePolicy.Throw,
        int maxReasks = 2,
        string? fallback = null) => new()
        {
            Id = id,
            Version = version,
            Template = "Classify the ticket from {{customer}}: {{ticket}}",
            Inputs =
            {
                new ContractInput { Name = "customer", MaxLength = 40 },
                new ContractInput { Name = "ticket", MaxLength = 2000 },
            },
            OutputSchema = ParseJson(TicketSchema),
            OnFailure = onFailure,
            MaxReasks = maxReasks,
            FallbackResponse = fallback,
        };

    public static IChatClient Governed(IChatClient inner, IPromptRegistry registry, Action<ContractOptions>? configure = null) =>
        new ChatClientBuilder(inner).UseContracts(registry, configure).Build();

    public static InMemoryPromptRegistry Registry(params PromptContract[] contracts)
    {
        var registry = new InMemoryPromptRegistry();
        foreach (PromptContract contract in contracts)
        {
            registry.Register(contract);
        }

        return registry;
    }

    public static ChatOptions TicketOptions(string id = "support.triage") =>
        new ChatOptions().WithContract(id, new Dictionary<string, object?> { ["customer"] = "Ada", ["ticket"] = "I was charged twice." });

    public static List<ChatMessage> Ask(string text = "Please classify.") => new() { new ChatMessage(ChatRole.User, text) };

    /// <summary>Calls the client streaming or not; returns the response (assembled from the updates when streaming) and the updates.</summary>
    public static async Task<(ChatResponse Response, List<ChatResponseUpdate> Updates)> CallAsync(IChatClient client, bool streaming, ChatOptions options, List<ChatMessage>? messages = null)
    {
        messages ??= Ask();
        if (!streaming)
        {
            return (await client.GetResponseAsync(messages, options), new List<ChatResponseUpdate>());
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(update);
        }

        return (updates.ToChatResponse(), updates);
    }

    /// <summary>Calls the client and expects a contract violation; when streaming, also returns the updates yielded before it.</summary>
    public static async Task<(ContractViolationException Error, List<ChatResponseUpdate> Updates)> FailAsync(IChatClient client, bool streaming, ChatOptions options, List<ChatMessage>? messages = null)
    {
        var updates = new List<ChatResponseUpdate>();
        try
        {
            if (streaming)
            {
                await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages ?? Ask(), options))
                {
                    updates.Add(update);
                }
            }
            else
            {
                await client.GetResponseAsync(messages ?? Ask(), options);
            }
        }
        catch (ContractViolationException ex)
        {
            return (ex, updates);
        }

        throw new Xunit.Sdk.XunitException("Expected a ContractViolationException.");
    }

    public static string Instructions(ScriptedChatClient inner, int request = 0) => inner.Requests[request].Options!.Instructions!;

    public static string LastUserText(ScriptedRequest request) => request.Messages.Last(m => m.Role == ChatRole.User).Text;
}
