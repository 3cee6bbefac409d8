using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// Human approval of tool calls under a contract, on MEAI's own approval flow: tools wrapped in
/// <see cref="ApprovalRequiredAIFunction"/>, requests and decisions carried as approval contents, recorded for the audit.
/// </summary>
/// <remarks>MEAI's approval types are experimental: they are used here only, never in a public signature.</remarks>
#pragma warning disable MEAI001 // Approval is an experimental MEAI feature; it stays an internal detail.
internal static class ToolApproval
{
    /// <summary>Audit outcome of a tool call the caller was asked to approve.</summary>
    public const string Requested = "approval_requested";

    /// <summary>Audit outcome of a tool call the caller approved.</summary>
    public const string Approved = "approved";

    /// <summary>Audit outcome of a tool call the caller refused; the model is told, the tool does not run.</summary>
    public const string Refused = "refused";

    /// <summary>Makes <paramref name="tool"/> need approval, unless it is not a function or already needs it.</summary>
    public static AITool Require(AITool tool) =>
        tool is AIFunction function && function.GetService<ApprovalRequiredAIFunction>() is null
            ? new ApprovalRequiredAIFunction(function)
            : tool;

    public static bool IsRequest(AIContent content) => content is ToolApprovalRequestContent;

    /// <summary>Returns the function call <paramref name="content"/> makes or asks approval for, or <see langword="null"/>.</summary>
    public static FunctionCallContent? CallIn(AIContent content) => content switch
    {
        FunctionCallContent call => call,
        ToolApprovalRequestContent { ToolCall: FunctionCallContent call } => call,
        _ => null,
    };

    /// <summary>Records the caller's decisions sent with this request: those after the last assistant message.</summary>
    /// <remarks>
    /// Who decided is the <see cref="ChatMessage.AuthorName"/> of the message carrying the decision when the caller set
    /// one, else the request's user (<c>ChatOptions.WithTenant(tenant, userId)</c>), else unknown.
    /// </remarks>
    public static void RecordDecisions(GovernedCall? call, IEnumerable<ChatMessage> messages)
    {
        if (call is null)
        {
            return;
        }

        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? new List<ChatMessage>(messages);
        for (int i = list.Count - 1; i >= 0 && list[i].Role != ChatRole.Assistant; i--)
        {
            IList<AIContent> contents = list[i].Contents;
            for (int j = 0; j < contents.Count; j++)
            {
                if (contents[j] is ToolApprovalResponseContent decision)
                {
                    string? decidedBy = string.IsNullOrEmpty(list[i].AuthorName) ? call.Context?.UserId : list[i].AuthorName;
                    call.Record?.ForToolCalls().Add(new ToolCallRecord(NameOf(decision.ToolCall), decision.Approved ? Approved : Refused) { DecidedBy = decidedBy });
                }
            }
        }
    }

    /// <summary>Records the approval requests among <paramref name="contents"/>, which go back to the caller.</summary>
    public static void RecordRequests(GovernedCall? call, IList<AIContent> contents)
    {
        if (call is null)
        {
            return;
        }

        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is ToolApprovalRequestContent request)
            {
                call.Record?.ForToolCalls().Add(new ToolCallRecord(NameOf(request.ToolCall), Requested));
            }
        }
    }

    private static string NameOf(ToolCallContent? call) => call is FunctionCallContent function ? function.Name : "(unknown)";
}

/// <summary>
/// Signs the approval requests the governed tool loop returns and checks the approvals that come back, so that a caller
/// can approve only a call the loop asked about, with the name, id and arguments it asked about.
/// </summary>
/// <remarks>
/// The request id the caller sees is MEAI's id followed by a keyed MAC (HMAC-SHA256, 128 bits) over that id and the call;
/// MEAI pairs the decision with the request by that id, so nothing else changes for the caller.
/// </remarks>
internal sealed class ToolApprovalSigner
{
    private const string Separator = ".sig.";

    private static readonly ToolApprovalSigner ProcessDefault = new(RandomNumberGenerator.GetBytes(32));

    private readonly byte[] _key;

    private ToolApprovalSigner(byte[] key) => _key = key;

    /// <summary>Gets the signer for a configured secret, or the process's own when none is configured.</summary>
    public static ToolApprovalSigner For(string? secret) =>
        secret is null ? ProcessDefault : new ToolApprovalSigner(SHA256.HashData(Encoding.UTF8.GetBytes("contracts_ai.tool_approval\0" + secret)));

    /// <summary>Replaces every approval request in <paramref name="contents"/> by the same request with a signed id.</summary>
    public void SignRequests(IList<AIContent> contents)
    {
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is ToolApprovalRequestContent { ToolCall: FunctionCallContent call } request && !request.RequestId.Contains(Separator, StringComparison.Ordinal))
            {
                contents[i] = new ToolApprovalRequestContent(request.RequestId + Separator + Mac(request.RequestId, call), call)
                {
                    RequiresConfirmation = request.RequiresConfirmation,
                    AdditionalProperties = request.AdditionalProperties,
                    RawRepresentation = request.RawRepresentation,
                };
            }
        }
    }

    /// <summary>Checks every approval in <paramref name="messages"/> before the loop can act on it.</summary>
    /// <exception cref="UnsafeContentException">An approval's request was not signed here, or its call was changed since.</exception>
    public void CheckApprovals(IEnumerable<ChatMessage> messages)
    {
        if (messages is List<ChatMessage> concrete)
        {
            // The usual shape, read without interface calls: this runs over the whole conversation on every request.
            foreach (ChatMessage message in CollectionsMarshal.AsSpan(concrete))
            {
                CheckApprovals(message.Contents);
            }

            return;
        }

        if (messages is IReadOnlyList<ChatMessage> list)
        {
            // The usual shape: no enumerator to allocate.
            for (int m = 0; m < list.Count; m++)
            {
                CheckApprovals(list[m].Contents);
            }

            return;
        }

        foreach (ChatMessage message in messages)
        {
            CheckApprovals(message.Contents);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckApprovals(IList<AIContent> contents)
    {
        if (contents is List<AIContent> concrete)
        {
            foreach (AIContent content in CollectionsMarshal.AsSpan(concrete))
            {
                // A type check per content (the type is sealed); the rare decision is checked out of line.
                if (content is ToolApprovalResponseContent decision)
                {
                    CheckApproval(decision);
                }
            }

            return;
        }

        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is ToolApprovalResponseContent decision)
            {
                CheckApproval(decision);
            }
        }
    }

    private void CheckApproval(ToolApprovalResponseContent decision)
    {
        if (decision.Approved && decision.ToolCall is FunctionCallContent call && !IsSigned(decision.RequestId, call))
        {
            throw new UnsafeContentException(
                $"The approval of a call to tool '{call.Name}' was refused: no approval request for it was returned through this pipeline, or its name, id or arguments " +
                "changed since. Send back the approval request the call returned, unchanged (with several instances, set the same " +
                "GovernedAi:Tools:ApprovalSigningKey on each).",
                [],
                ["unsigned_tool_approval"]);
        }
    }

    private bool IsSigned(string requestId, FunctionCallContent call)
    {
        int at = requestId.LastIndexOf(Separator, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        string expected = Mac(requestId[..at], call);
        string given = requestId[(at + Separator.Length)..];
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
    }

    private string Mac(string requestId, FunctionCallContent call)
    {
        var text = new StringBuilder(requestId).Append('\0').Append(call.CallId).Append('\0').Append(call.Name).Append('\0');
        if (call.Arguments is { } arguments)
        {
            text.Append(JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))));
        }

        byte[] mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToBase64String(mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
#pragma warning restore MEAI001
