using System;

namespace Contracts.Ai;

/// <summary>
/// The tokens a model's chat format adds around the text it counts: the markers that open and close each
/// message, an author name, each tool call and tool definition, and the priming of the reply. Budgeting
/// adds them to the counts of an <see cref="ITokenCounter"/>, which supplies its own through
/// <see cref="ITokenCounter.Overhead"/>.
/// </summary>
/// <remarks>
/// <see cref="OpenAI"/> is the formula OpenAI documents for its chat models (and the default of every counter).
/// A model with another chat template (Llama, Mistral, Gemma, a hosted model that reports its own usage)
/// gets its own by a counter that returns it, or with <see cref="TokenCounterExtensions.WithOverhead"/>
/// when registering a counter for the model. Instances are immutable and thread-safe.
/// </remarks>
public sealed class ChatTokenOverhead
{
    /// <summary>Initializes a new instance of the <see cref="ChatTokenOverhead"/> class.</summary>
    /// <param name="perMessage">Tokens each message (and the instructions, sent as a system message) adds besides its role and text.</param>
    /// <param name="perName">Tokens an author name adds besides its text.</param>
    /// <param name="perToolCall">Tokens each tool call in a message adds besides its id, name and arguments.</param>
    /// <param name="perToolDefinition">Tokens each tool definition (and a response format's schema) adds besides its name, description and schema.</param>
    /// <param name="perToolList">Tokens a request with at least one tool adds once for the list.</param>
    /// <param name="perRequest">Tokens every request adds once (the priming of the reply).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative.</exception>
    public ChatTokenOverhead(int perMessage, int perName, int perToolCall, int perToolDefinition, int perToolList, int perRequest)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perMessage);
        ArgumentOutOfRangeException.ThrowIfNegative(perName);
        ArgumentOutOfRangeException.ThrowIfNegative(perToolCall);
        ArgumentOutOfRangeException.ThrowIfNegative(perToolDefinition);
        ArgumentOutOfRangeException.ThrowIfNegative(perToolList);
        ArgumentOutOfRangeException.ThrowIfNegative(perRequest);
        PerMessage = perMessage;
        PerName = perName;
        PerToolCall = perToolCall;
        PerToolDefinition = perToolDefinition;
        PerToolList = perToolList;
        PerRequest = perRequest;
        Fingerprint = (ulong)HashCode.Combine(perMessage, perName, perToolCall, perToolDefinition, perToolList, perRequest) * 0x9E3779B97F4A7C15UL;
    }

    /// <summary>Gets OpenAI's chat formula: 3 tokens per message, 1 per author name, 3 per tool call, 8 per tool definition, 12 for the tool list and 3 per request.</summary>
    public static ChatTokenOverhead OpenAI { get; } = new(perMessage: 3, perName: 1, perToolCall: 3, perToolDefinition: 8, perToolList: 12, perRequest: 3);

    /// <summary>Gets the tokens each message adds besides its role and text.</summary>
    public int PerMessage { get; }

    /// <summary>Gets the tokens an author name adds besides its text.</summary>
    public int PerName { get; }

    /// <summary>Gets the tokens each tool call adds besides its id, name and arguments.</summary>
    public int PerToolCall { get; }

    /// <summary>Gets the tokens each tool definition (and a response format's schema) adds besides its text.</summary>
    public int PerToolDefinition { get; }

    /// <summary>Gets the tokens a request with tools adds once for the list.</summary>
    public int PerToolList { get; }

    /// <summary>Gets the tokens every request adds once.</summary>
    public int PerRequest { get; }

    /// <summary>Gets a hash of the values, so cached counts made under different overheads never mix.</summary>
    internal ulong Fingerprint { get; }
}
