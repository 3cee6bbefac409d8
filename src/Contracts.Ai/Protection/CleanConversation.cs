using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// The last conversation a <see cref="DataProtectionChatClient"/> sent on without a finding: every message plain text
/// that passed screening and PII redaction unchanged and recorded nothing, and the boundary run it ended with.
/// </summary>
/// <remarks>
/// A request that starts with the same messages (the same message, content and text instances, the same roles) under
/// the same policy would be screened to the same outcome from the same cached verdicts, so it starts after them, with
/// the run restored: the next model call of a tool loop, or the next turn of a conversation the app keeps as a list,
/// costs a reference check per message for what was sent before. Immutable once published; holds one conversation alive.
/// </remarks>
internal sealed class CleanConversation
{
    /// <summary>Conversations longer than this are not remembered (the same bound as the per-position hints).</summary>
    public const int MaxMessages = 64;

    private readonly ChatMessage[] _messages;
    private readonly ChatRole[] _roles;
    private readonly int[] _contentEnds;
    private readonly AIContent[] _contents;
    private readonly string[] _texts;

    private CleanConversation(
        DataProtectionPolicy policy, int outboundFingerprint, ChatMessage[] messages, ChatRole[] roles, int[] contentEnds, AIContent[] contents, string[] texts,
        string[] runPieces, UInt128[] runFingerprints)
    {
        Policy = policy;
        OutboundFingerprint = outboundFingerprint;
        _messages = messages;
        _roles = roles;
        _contentEnds = contentEnds;
        _contents = contents;
        _texts = texts;
        RunPieces = runPieces;
        RunFingerprints = runFingerprints;
    }

    public DataProtectionPolicy Policy { get; }

    public int OutboundFingerprint { get; }

    /// <summary>Gets the number of messages remembered.</summary>
    public int Count => _messages.Length;

    /// <summary>Gets the texts of the boundary run the conversation ended with, oldest first.</summary>
    public string[] RunPieces { get; }

    /// <summary>Gets the fingerprints of <see cref="RunPieces"/>.</summary>
    public UInt128[] RunFingerprints { get; }

    /// <summary>Remembers <paramref name="messages"/>, all plain text (see <see cref="IsPlainText"/>), and the run they ended with.</summary>
    public static CleanConversation Remember(
        DataProtectionPolicy policy, int outboundFingerprint, IReadOnlyList<ChatMessage> messages, string[] runPieces, UInt128[] runFingerprints)
    {
        int contentCount = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            contentCount += messages[i].Contents.Count;
        }

        var remembered = new ChatMessage[messages.Count];
        var roles = new ChatRole[messages.Count];
        var contentEnds = new int[messages.Count];
        var contents = new AIContent[contentCount];
        var texts = new string[contentCount];
        int c = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            remembered[i] = message;
            roles[i] = message.Role;
            IList<AIContent> items = message.Contents;
            for (int j = 0; j < items.Count; j++)
            {
                contents[c] = items[j];
                texts[c++] = ((TextContent)items[j]).Text;
            }

            contentEnds[i] = c;
        }

        return new CleanConversation(policy, outboundFingerprint, remembered, roles, contentEnds, contents, texts, runPieces, runFingerprints);
    }

    private static bool SameRole(ChatRole role, ChatRole remembered) =>
        ReferenceEquals(role.Value, remembered.Value) || role == remembered;

    /// <summary>Gets a value indicating whether every content of <paramref name="message"/> is non-empty text of the caller's own (not a retrieved document).</summary>
    public static bool IsPlainText(ChatMessage message)
    {
        if (message.IsRetrievedDocument())
        {
            return false;
        }

        IList<AIContent> contents = message.Contents;
        for (int j = 0; j < contents.Count; j++)
        {
            if (contents[j] is not TextContent { Text.Length: > 0 })
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gets a value indicating whether <paramref name="messages"/> start with every message remembered, unchanged, under the same policy.</summary>
    public bool Starts(IReadOnlyList<ChatMessage> messages, DataProtectionPolicy policy, int outboundFingerprint)
    {
        if (!ReferenceEquals(policy, Policy) || outboundFingerprint != OutboundFingerprint || messages.Count < _messages.Length)
        {
            return false;
        }

        // The usual shapes (lists of messages and of contents) are read as spans: this runs on every model call.
        ReadOnlySpan<ChatMessage> list = messages is List<ChatMessage> concrete ? CollectionsMarshal.AsSpan(concrete) : default;
        int c = 0;
        for (int i = 0; i < _messages.Length; i++)
        {
            ChatMessage message = list.IsEmpty ? messages[i] : list[i];
            if (!ReferenceEquals(message, _messages[i]) || !SameRole(message.Role, _roles[i]) || message.IsRetrievedDocument())
            {
                return false;
            }

            IList<AIContent> contents = message.Contents;
            int end = _contentEnds[i];
            if (contents is List<AIContent> items)
            {
                if (!SameContents(CollectionsMarshal.AsSpan(items), c, end))
                {
                    return false;
                }
            }
            else if (contents.Count != end - c || !SameContents(contents, c, end))
            {
                return false;
            }

            c = end;
        }

        return true;
    }

    private bool SameContents(ReadOnlySpan<AIContent> contents, int start, int end)
    {
        if (contents.Length != end - start)
        {
            return false;
        }

        for (int j = 0; j < contents.Length; j++)
        {
            AIContent content = contents[j];
            if (!ReferenceEquals(content, _contents[start + j]) || !ReferenceEquals(((TextContent)content).Text, _texts[start + j]))
            {
                return false;
            }
        }

        return true;
    }

    private bool SameContents(IList<AIContent> contents, int start, int end)
    {
        for (int j = 0; j < end - start; j++)
        {
            AIContent content = contents[j];
            if (!ReferenceEquals(content, _contents[start + j]) || !ReferenceEquals(((TextContent)content).Text, _texts[start + j]))
            {
                return false;
            }
        }

        return true;
    }
}
