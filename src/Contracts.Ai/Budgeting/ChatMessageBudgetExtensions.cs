using System;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Marks messages that token budgeting must never drop.</summary>
public static class ChatMessageBudgetExtensions
{
    /// <summary>The <see cref="ChatMessage.AdditionalProperties"/> key that pins a message: <c>contracts_ai.pinned</c>, with the value <see langword="true"/> (a <see cref="bool"/>, the string <c>"true"</c> or a JSON <c>true</c>, so the mark survives a round trip through storage).</summary>
    public const string PinnedPropertyKey = "contracts_ai.pinned";

    /// <summary>Pins <paramref name="message"/>: token budgeting keeps it whatever else it drops (a pinned tool call or result keeps its whole call group).</summary>
    /// <param name="message">The message.</param>
    /// <returns>The same message, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public static ChatMessage Pin(this ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        (message.AdditionalProperties ??= new AdditionalPropertiesDictionary())[PinnedPropertyKey] = true;
        return message;
    }

    /// <summary>Returns whether <paramref name="message"/> is pinned.</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="true"/> when the message carries <see cref="PinnedPropertyKey"/> with the value true.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public static bool IsPinned(this ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.AdditionalProperties is { Count: > 0 } properties &&
            properties.TryGetValue(PinnedPropertyKey, out object? value) &&
            value switch
            {
                bool b => b,
                string s => string.Equals(s, "true", StringComparison.OrdinalIgnoreCase),
                JsonElement e => e.ValueKind == JsonValueKind.True,
                _ => false,
            };
    }
}
