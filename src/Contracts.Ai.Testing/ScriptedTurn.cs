using System;
using System.Collections.Generic;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Testing;

/// <summary>One scripted answer of a <see cref="ScriptedChatClient"/>: text, tool calls, usage, streaming chunks, a failure or a delay.</summary>
public sealed class ScriptedTurn
{
    private ScriptedTurn()
    {
    }

    /// <summary>Gets the answer's text, or <see langword="null"/>.</summary>
    public string? Text { get; private init; }

    /// <summary>Gets the tool calls the answer makes.</summary>
    public IReadOnlyList<FunctionCallContent> ToolCalls { get; private init; } = Array.Empty<FunctionCallContent>();

    /// <summary>Gets the exception the turn throws instead of answering, or <see langword="null"/>.</summary>
    public Exception? Failure { get; private init; }

    /// <summary>Gets the usage the answer reports, or <see langword="null"/>.</summary>
    public UsageDetails? Usage { get; private init; }

    /// <summary>Gets the delay before the answer (honours cancellation).</summary>
    public TimeSpan Delay { get; private init; }

    /// <summary>Gets how many streaming updates the text is split into.</summary>
    /// <value>Defaults to 1 update per word.</value>
    public int? Chunks { get; private init; }

    /// <summary>Gets the model id the answer reports.</summary>
    public string? ModelId { get; private init; }

    /// <summary>An answer of plain text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn Reply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ScriptedTurn { Text = text };
    }

    /// <summary>An answer whose text is <paramref name="value"/> serialised as JSON.</summary>
    /// <param name="value">A <see cref="JsonElement"/>, a JSON string, or an object to serialise.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn Json(object value) => value switch
    {
        null => throw new ArgumentNullException(nameof(value)),
        string json => Reply(json),
        JsonElement element => Reply(element.GetRawText()),
        _ => Reply(JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()))),
    };

    /// <summary>An answer that calls one tool.</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="arguments">The arguments, or <see langword="null"/>.</param>
    /// <param name="callId">The call id; a fresh one when <see langword="null"/>.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn CallTool(string name, IDictionary<string, object?>? arguments = null, string? callId = null) =>
        CallTools(new FunctionCallContent(callId ?? NewCallId(), name, arguments));

    /// <summary>An answer that calls several tools at once (parallel tool calls).</summary>
    /// <param name="calls">The calls.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn CallTools(params FunctionCallContent[] calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return new ScriptedTurn { ToolCalls = calls };
    }

    /// <summary>A turn that throws instead of answering, such as a transport failure.</summary>
    /// <param name="exception">The exception to throw.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn Fail(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new ScriptedTurn { Failure = exception };
    }

    /// <summary>The same turn reporting token usage.</summary>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    /// <returns>A new turn.</returns>
    public ScriptedTurn WithUsage(long inputTokens, long outputTokens) => With(usage: new UsageDetails
    {
        InputTokenCount = inputTokens,
        OutputTokenCount = outputTokens,
        TotalTokenCount = inputTokens + outputTokens,
    });

    /// <summary>The same turn after a delay.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>A new turn.</returns>
    public ScriptedTurn WithDelay(TimeSpan delay) => With(delay: delay);

    /// <summary>The same turn, streamed as <paramref name="chunks"/> updates.</summary>
    /// <param name="chunks">The number of text updates, at least 1.</param>
    /// <returns>A new turn.</returns>
    public ScriptedTurn WithChunks(int chunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        return With(chunks: chunks);
    }

    /// <summary>The same turn reporting a model id.</summary>
    /// <param name="modelId">The model id.</param>
    /// <returns>A new turn.</returns>
    public ScriptedTurn WithModel(string modelId) => With(modelId: modelId);

    private ScriptedTurn With(UsageDetails? usage = null, TimeSpan? delay = null, int? chunks = null, string? modelId = null) => new()
    {
        Text = Text,
        ToolCalls = ToolCalls,
        Failure = Failure,
        Usage = usage ?? Usage,
        Delay = delay ?? Delay,
        Chunks = chunks ?? Chunks,
        ModelId = modelId ?? ModelId,
    };

    private static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..12];
}
