using System.Collections.Generic;
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
            foreach (AIContent content in list[i].Contents)
            {
                if (content is ToolApprovalResponseContent decision)
                {
                    string? decidedBy = string.IsNullOrEmpty(list[i].AuthorName) ? call.Context?.UserId : list[i].AuthorName;
                    call.AddToolCall(new ToolCallRecord(NameOf(decision.ToolCall), decision.Approved ? Approved : Refused) { DecidedBy = decidedBy });
                }
            }
        }
    }

    /// <summary>Records the approval requests the response returns to the caller.</summary>
    public static void RecordRequests(GovernedCall? call, ChatResponse response)
    {
        if (call is null || response.Messages.Count == 0)
        {
            return;
        }

        foreach (AIContent content in response.Messages[^1].Contents)
        {
            if (content is ToolApprovalRequestContent request)
            {
                call.AddToolCall(new ToolCallRecord(NameOf(request.ToolCall), Requested));
            }
        }
    }

    private static string NameOf(ToolCallContent? call) => call is FunctionCallContent function ? function.Name : "(unknown)";
}
#pragma warning restore MEAI001
