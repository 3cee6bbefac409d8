using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Makes the stored copy of a turn: the caller's new messages (system messages are per-request instructions and are
/// not remembered) and the answer's messages, keeping text, tool calls and tool results, each redacted by the
/// data-protection policy for prompts, since a remembered turn is sent to the model again.
/// </summary>
/// <remarks>
/// An entity type the prompt policy blocks is redacted in the stored copy instead: the turn was already answered.
/// Other contents (images, reasoning, usage, provider-specific parts) are not remembered.
/// </remarks>
internal sealed class SessionTurnRecorder
{
    private static readonly ConditionalWeakTable<PiiPolicy, PiiPolicy> StoragePolicies = new();

    private readonly PiiRedactor? _redactor;

    public SessionTurnRecorder(PiiRedactor? redactor)
    {
        _redactor = redactor;
    }

    public List<ChatMessage> Record(IList<ChatMessage> newMessages, IList<ChatMessage> answer, string? contractId)
    {
        PiiPolicy? policy = _redactor is null ? null : StoragePolicyFor(_redactor.Options.PolicyFor(contractId).OutboundPrompt);
        var stored = new List<ChatMessage>(newMessages.Count + answer.Count);
        for (int i = 0; i < newMessages.Count; i++)
        {
            if (newMessages[i].Role != ChatRole.System)
            {
                Add(stored, newMessages[i], policy);
            }
        }

        for (int i = 0; i < answer.Count; i++)
        {
            Add(stored, answer[i], policy);
        }

        return stored;
    }

    private void Add(List<ChatMessage> stored, ChatMessage message, PiiPolicy? policy)
    {
        List<AIContent>? contents = null;
        foreach (AIContent content in message.Contents)
        {
            AIContent? copy = content switch
            {
                TextContent { Text.Length: > 0 } text => new TextContent(Redact(text.Text, policy)),
                FunctionCallContent call => new FunctionCallContent(call.CallId, call.Name, RedactArguments(call.Arguments, policy)),
                FunctionResultContent result => new FunctionResultContent(result.CallId, RedactValue(result.Result, policy)),
                _ => null,
            };
            if (copy is not null)
            {
                (contents ??= new List<AIContent>(message.Contents.Count)).Add(copy);
            }
        }

        if (contents is not null)
        {
            stored.Add(new ChatMessage(message.Role, contents) { AuthorName = message.AuthorName });
        }
    }

    private Dictionary<string, object?>? RedactArguments(IDictionary<string, object?>? arguments, PiiPolicy? policy)
    {
        if (arguments is null)
        {
            return null;
        }

        var copy = new Dictionary<string, object?>(arguments.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> argument in arguments)
        {
            copy[argument.Key] = RedactValue(argument.Value, policy);
        }

        return copy;
    }

    /// <summary>Strings and JSON stay as they are unless redaction changes them (then they become redacted text); other objects become JSON first, so a stored turn holds data, not live objects.</summary>
    private object? RedactValue(object? value, PiiPolicy? policy)
    {
        switch (value)
        {
            case null:
                return null;
            case string text:
                return Redact(text, policy);
            case bool or int or long or double or float or decimal:
                return value;
            case JsonElement { ValueKind: JsonValueKind.String } element:
                string original = element.GetString()!;
                string redacted = Redact(original, policy);
                return ReferenceEquals(original, redacted) ? element.Clone() : redacted;
            case JsonElement element:
                return RedactJson(element, policy);
            default:
                JsonElement json;
                try
                {
                    json = JsonSerializer.SerializeToElement(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
                }
                catch (NotSupportedException)
                {
                    return Redact(value.ToString() ?? string.Empty, policy);
                }

                return RedactJson(json, policy);
        }
    }

    private object RedactJson(JsonElement element, PiiPolicy? policy)
    {
        string raw = element.GetRawText();
        string redacted = Redact(raw, policy);
        return ReferenceEquals(raw, redacted) ? element.Clone() : redacted;
    }

    private string Redact(string text, PiiPolicy? policy) =>
        policy is null || _redactor is null ? text : _redactor.Apply(text, policy, "a remembered session turn", out _);

    private static PiiPolicy StoragePolicyFor(PiiPolicy prompt) => StoragePolicies.GetValue(prompt, static source =>
    {
        var policy = new PiiPolicy { Action = Soften(source.Action), Style = source.Style };
        foreach (KeyValuePair<string, PiiAction> entry in source.EntityActions)
        {
            policy.EntityActions[entry.Key] = Soften(entry.Value);
        }

        return policy;
    });

    private static PiiAction Soften(PiiAction action) => action == PiiAction.Block ? PiiAction.Redact : action;
}
