using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// The last conversation a <see cref="DataProtectionChatClient"/> sent on without a finding: every message plain text
/// that passed screening and PII redaction unchanged and recorded nothing, and the boundary run it ended with.
/// </summary>
/// <remarks>
/// A request that starts with the same messages (the same message, content and text instances, the same roles, none
/// marked a retrieved document since) under the same policy would be screened to the same outcome from the same cached
/// verdicts, so it starts after them, with the run restored: the next model call of a tool loop, or the next turn of a
/// conversation the app keeps as a list, costs a few reference checks per message for what was sent before. What is
/// compared for each message sits together in one entry (the message, its role, its one text content and that
/// content's text), so the check reads the remembered side in order. Immutable once published; holds one conversation alive.
/// </remarks>
internal sealed class CleanConversation
{
    /// <summary>Conversations longer than this are not remembered (the same bound as the per-position hints).</summary>
    public const int MaxMessages = 64;

    private readonly Message[] _messages;

    // The contents of the messages that have more than one, in order; a message's entry says where its own start.
    private readonly Content[] _contents;

    private CleanConversation(DataProtectionPolicy policy, int outboundFingerprint, Message[] messages, Content[] contents, string[] runPieces, UInt128[] runFingerprints)
    {
        Policy = policy;
        OutboundFingerprint = outboundFingerprint;
        _messages = messages;
        _contents = contents;
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
        int spread = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            int count = messages[i].Contents.Count;
            spread += count == 1 ? 0 : count;
        }

        var remembered = new Message[messages.Count];
        Content[] contents = spread == 0 ? [] : new Content[spread];
        int c = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            IList<AIContent> items = message.Contents;
            if (items.Count == 1)
            {
                var only = (TextContent)items[0];
                remembered[i] = new Message(message, message.Role, items as List<AIContent>, new Content(only, only.Text), 0, 0);
                continue;
            }

            int start = c;
            for (int j = 0; j < items.Count; j++)
            {
                var text = (TextContent)items[j];
                contents[c++] = new Content(text, text.Text);
            }

            remembered[i] = new Message(message, message.Role, null, default, start, c);
        }

        return new CleanConversation(policy, outboundFingerprint, remembered, contents, runPieces, runFingerprints);
    }

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
        Message[] remembered = _messages;
        if (!ReferenceEquals(policy, Policy) || outboundFingerprint != OutboundFingerprint || messages.Count < remembered.Length)
        {
            return false;
        }

        // The usual shape (a list of messages) is read as a span: this runs on every model call.
        if (messages is List<ChatMessage> list)
        {
            ReadOnlySpan<ChatMessage> span = CollectionsMarshal.AsSpan(list);
            if (span.Length < remembered.Length)
            {
                return false;
            }

            for (int i = 0; i < remembered.Length; i++)
            {
                if (!Same(span[i], in remembered[i]))
                {
                    return false;
                }
            }

            return true;
        }

        for (int i = 0; i < remembered.Length; i++)
        {
            if (!Same(messages[i], in remembered[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gets a value indicating whether <paramref name="message"/> is the remembered message, unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Same(ChatMessage message, in Message remembered)
    {
        // The same instance, but a message is mutable: its role, its marks and its contents are read again.
        if (!ReferenceEquals(message, remembered.Instance) ||
            (!ReferenceEquals(message.Role.Value, remembered.Role.Value) && message.Role != remembered.Role) ||
            (message.AdditionalProperties is not null && message.IsRetrievedDocument()))
        {
            return false;
        }

        // One text content in the same list, the usual message: the content instance, and its text instance (a text
        // content's text is settable). Read through the remembered references, which the caller's were just found to
        // be, the list, the content and the text are fetched side by side rather than one after the other.
        if (remembered.List is { } list && ReferenceEquals(message.Contents, list))
        {
            ReadOnlySpan<AIContent> span = CollectionsMarshal.AsSpan(list);
            TextContent only = remembered.Only.Instance!;
            return span.Length == 1 && ReferenceEquals(span[0], only) && ReferenceEquals(only.Text, remembered.Only.Text);
        }

        return SameContents(message.Contents, in remembered);
    }

    private bool SameContents(IList<AIContent> contents, in Message remembered)
    {
        if (remembered.Only.Instance is not null)
        {
            return contents.Count == 1 && remembered.Only.Matches(contents[0]);
        }

        ReadOnlySpan<Content> expected = _contents.AsSpan(remembered.Start, remembered.End - remembered.Start);
        if (contents.Count != expected.Length)
        {
            return false;
        }

        for (int j = 0; j < expected.Length; j++)
        {
            if (!expected[j].Matches(contents[j]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A remembered message: the instance, its role, and its one text content (and the list holding it) or where its contents sit.</summary>
    private readonly record struct Message(ChatMessage Instance, ChatRole Role, List<AIContent>? List, Content Only, int Start, int End);

    /// <summary>A remembered text content and the text instance it had.</summary>
    private readonly record struct Content(TextContent? Instance, string? Text)
    {
        /// <summary>Gets a value indicating whether <paramref name="content"/> is this very content, still holding this very text.</summary>
        /// <remarks>The text is read from the remembered instance: once the references are equal, that is the caller's content.</remarks>
        public bool Matches(AIContent content) => ReferenceEquals(content, Instance) && ReferenceEquals(Instance!.Text, Text);
    }
}
