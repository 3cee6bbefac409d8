using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Chooses the remembered turns a request gets within its token bound, and lays them out before the new turn.</summary>
internal static class SessionHistory
{
    /// <summary>Finds the first turn to keep: the newest whole turns whose tokens sum to at most <paramref name="maxTokens"/>.</summary>
    /// <remarks>
    /// A turn that opens with tool results answers a tool call at the end of the turn before it (a tool the caller ran):
    /// it is never kept without that turn, so the model never sees a result without its call.
    /// </remarks>
    public static int SelectStart(IReadOnlyList<SessionTurn> turns, ITokenCounter counter, int maxTokens, TokenCountCache cache, out int tokens)
    {
        tokens = 0;
        int start = turns.Count;
        for (int i = turns.Count - 1; i >= 0; i--)
        {
            int turnTokens = TokensOf(turns[i], counter, cache);
            if (tokens + turnTokens > maxTokens)
            {
                break;
            }

            tokens += turnTokens;
            start = i;
        }

        while (start < turns.Count && OpensWithToolResult(turns[start]))
        {
            tokens -= TokensOf(turns[start], counter, cache);
            start++;
        }

        return start;
    }

    public static int TokensOf(SessionTurn turn, ITokenCounter counter, TokenCountCache cache)
    {
        if (string.Equals(turn.Encoding, counter.Encoding, StringComparison.Ordinal))
        {
            return turn.TokenCount;
        }

        return Count(turn.Messages, counter, cache);
    }

    public static int Count(IReadOnlyList<ChatMessage> messages, ITokenCounter counter, TokenCountCache cache)
    {
        int tokens = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            tokens += cache.CountMessage(messages[i], counter, 0);
        }

        return tokens;
    }

    /// <summary>The caller's leading system messages, then <paramref name="prefix"/> (a summary), then the kept turns, then the rest of the caller's messages.</summary>
    public static List<ChatMessage> Compose(IList<ChatMessage> caller, IEnumerable<ChatMessage>? prefix, IReadOnlyList<SessionTurn> turns, int start)
    {
        int remembered = 0;
        for (int t = start; t < turns.Count; t++)
        {
            remembered += turns[t].Messages.Count;
        }

        var result = new List<ChatMessage>(caller.Count + remembered + 1);
        int i = 0;
        while (i < caller.Count && caller[i].Role == ChatRole.System)
        {
            result.Add(caller[i++]);
        }

        if (prefix is not null)
        {
            result.AddRange(prefix);
        }

        for (int t = start; t < turns.Count; t++)
        {
            IReadOnlyList<ChatMessage> messages = turns[t].Messages;
            for (int m = 0; m < messages.Count; m++)
            {
                result.Add(messages[m]);
            }
        }

        for (; i < caller.Count; i++)
        {
            result.Add(caller[i]);
        }

        return result;
    }

    public static List<ChatMessage> Flatten(IReadOnlyList<SessionTurn> turns, int start = 0, int end = -1)
    {
        if (end < 0)
        {
            end = turns.Count;
        }

        var result = new List<ChatMessage>();
        for (int t = start; t < end; t++)
        {
            IReadOnlyList<ChatMessage> messages = turns[t].Messages;
            for (int m = 0; m < messages.Count; m++)
            {
                result.Add(messages[m]);
            }
        }

        return result;
    }

    private static bool OpensWithToolResult(SessionTurn turn)
    {
        if (turn.Messages.Count == 0)
        {
            return false;
        }

        ChatMessage first = turn.Messages[0];
        if (first.Role == ChatRole.Tool)
        {
            return true;
        }

        IList<AIContent> contents = first.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is FunctionResultContent)
            {
                return true;
            }
        }

        return false;
    }
}
