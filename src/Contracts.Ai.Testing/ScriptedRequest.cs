using System.Collections.Generic;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Testing;

/// <summary>A request a <see cref="ScriptedChatClient"/> received: a copy of the messages and the options as they arrived.</summary>
/// <param name="Messages">A copy of the messages.</param>
/// <param name="Options">The options, or <see langword="null"/>.</param>
/// <param name="Streaming">Whether the request was a streaming one.</param>
public sealed record ScriptedRequest(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, bool Streaming);
