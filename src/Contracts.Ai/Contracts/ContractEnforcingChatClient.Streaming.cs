using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

// The streaming path of the contract stage: buffered (validated before the first update) or passed through (validated at the end).
public sealed partial class ContractEnforcingChatClient
{
    private async IAsyncEnumerable<ChatResponseUpdate> GetBufferedStreamingResponseAsync(
        GovernanceContext context, IEnumerable<ChatMessage> messages, ChatOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ContractRequest request = Prepare(context, messages, options);
        var streamed = new StreamedAttempt();
        ChatResponse response = await ContractAttempts.RunAsync(InnerClient, request, messages, streamed, Options, _logger, cancellationToken).ConfigureAwait(false);
        foreach (ChatResponseUpdate update in streamed.Updates ?? (IEnumerable<ChatResponseUpdate>)response.ToChatResponseUpdates())
        {
            _approvals?.SignRequests(request, update.Contents);
            yield return update;
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetPassThroughStreamingResponseAsync(
        GovernanceContext context, IEnumerable<ChatMessage> messages, ChatOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ContractRequest request = Prepare(context, messages, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in InnerClient.GetStreamingResponseAsync(messages, request.Options, cancellationToken).ConfigureAwait(false))
        {
            // A call to a tool outside the allow-list never leaves this stage, so nothing outside can run it.
            ContractViolations.CheckToolCalls(request, update.Contents, attempt: 1, usage: null, _logger);
            _approvals?.SignRequests(request, update.Contents);
            updates.Add(update);
            yield return update;
        }

        ChatResponse response = updates.ToChatResponse();
        if (ContractAttempts.CallsTools(response))
        {
            // Tool calls or approval requests: not an answer yet, nothing to validate.
            yield break;
        }

        OutputResult result = await ContractOutputCheck.ValidateAsync(request.Plan, response, cancellationToken).ConfigureAwait(false);
        if (result.IsValid)
        {
            request.RecordValidation(ValidationOutcomes.Passed, 1);
            yield break;
        }

        PromptContract contract = request.Contract;
        List<ContractViolation> violations = result.Violations!;
        ContractViolations.Record(contract, violations);
        request.RecordValidation(ValidationOutcomes.Failed, 1);
        ContractLog.AnswerRejected(_logger, contract.Id, contract.Version, 1, violations.Count);
        throw new ContractViolationException(contract.Id, contract.Version, ContractViolations.Describe(violations, attempt: 1), response.Usage)
        {
            Kinds = ContractViolations.KindsOf(violations, null),
        };
    }
}
