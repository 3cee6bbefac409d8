using System.Collections.Generic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// The approval round trip as the contract stage keeps it when no tool governance stage runs below it: approval
/// requests coming up from the tool loop are signed, recorded and logged, and the caller's approvals are checked
/// against their signature, recorded and logged before the loop can act on them.
/// </summary>
/// <remarks>Thread-safe. Logs name the contract, the tool and the decision, never arguments or who decided.</remarks>
#pragma warning disable MEAI001 // Approval is an experimental MEAI feature; it stays an internal detail.
internal sealed class ToolApprovalGate(ToolApprovalSigner signer, ILogger logger)
{
    /// <summary>Refuses approvals that were not signed here, then records and logs the caller's decisions.</summary>
    /// <exception cref="UnsafeContentException">An approval's request was not signed here, or its call was changed since.</exception>
    public void CheckDecisions(ContractRequest request, IEnumerable<ChatMessage> messages)
    {
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? new List<ChatMessage>(messages);
        signer.CheckApprovals(list);
        ToolApproval.RecordDecisions(request.Call, list);
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        for (int i = list.Count - 1; i >= 0 && list[i].Role != ChatRole.Assistant; i--)
        {
            foreach (AIContent content in list[i].Contents)
            {
                if (content is ToolApprovalResponseContent decision)
                {
                    ContractLog.ApprovalDecided(
                        logger, request.Contract.Id, request.Contract.Version, (decision.ToolCall as FunctionCallContent)?.Name ?? "(unknown)", decision.Approved ? ToolApproval.Approved : ToolApproval.Refused);
                }
            }
        }
    }

    /// <summary>Signs the approval requests among <paramref name="contents"/>, which go back to the caller, and records and logs them.</summary>
    public void SignRequests(ContractRequest request, IList<AIContent> contents)
    {
        signer.SignRequests(contents);
        ToolApproval.RecordRequests(request.Call, contents);
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is ToolApprovalRequestContent)
            {
                ContractLog.ApprovalRequested(logger, request.Contract.Id, request.Contract.Version, ToolApproval.CallIn(contents[i])?.Name ?? "(unknown)");
            }
        }
    }
}
#pragma warning restore MEAI001
