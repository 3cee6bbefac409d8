using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>The streamed updates of a buffered streaming request, kept when the response they make can be replayed unchanged.</summary>
internal sealed class StreamedAttempt
{
    /// <summary>Gets or sets the updates of the attempt the response came from; <see langword="null"/> when the response changed since.</summary>
    public List<ChatResponseUpdate>? Updates { get; set; }
}

/// <summary>
/// The contract's on-failure policy: asks the model, validates the final answer, and re-asks with the violations,
/// returns the fallback or throws, as the contract says.
/// </summary>
/// <remarks>
/// A response that calls tools, or asks the caller to approve a tool call, is not an answer yet: it goes back without
/// validation, re-ask or fallback. The caller's tool loop runs the calls and comes back, or the caller sends its
/// decisions in the next request, whose final answer is validated then. When it comes after a re-ask, it goes back
/// with what came before it (each rejected answer and the re-ask that followed it), as a call without a contract
/// returns every message of its tool loop: the caller's next request then carries the conversation the model saw.
/// </remarks>
internal static class ContractAttempts
{
    /// <summary>Runs the request's attempts without streaming.</summary>
    /// <remarks>
    /// When the model answers at once and the answer's check needs no await (no validator awaits), the first attempt
    /// finishes here, without a state machine: a response that calls tools or passes goes back as the inner client's
    /// task when nothing changed it. Anything else (an attempt still running, a validator that awaits, an answer that
    /// failed) goes on in <see cref="RunAsync(IChatClient, ContractRequest, IEnumerable{ChatMessage}, StreamedAttempt?, ContractOptions, ILogger, CancellationToken)"/>
    /// from where the first attempt stands, so every outcome is the one the loop gives.
    /// </remarks>
    public static Task<ChatResponse> Run(
        IChatClient inner, ContractRequest request, IEnumerable<ChatMessage> messages, ContractOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        Task<ChatResponse> pending;
        try
        {
            pending = inner.GetResponseAsync(messages, request.Options, cancellationToken);
        }
        catch (Exception ex)
        {
            return CallFailure.AsTask(ex);
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return RunAsync(inner, request, messages, null, options, logger, new FirstAttempt(pending, null), cancellationToken);
        }

        ChatResponse response = pending.Result;
        ValueTask<OutputResult> validation;
        try
        {
            // The first attempt's usage is the response's own (see Sum).
            CheckToolCalls(request, response, 1, response.Usage, logger);
            if (CallsTools(response))
            {
                return pending;
            }

            validation = ContractOutputCheck.ValidateAsync(request.Plan, response, cancellationToken);
            if (validation.IsCompletedSuccessfully)
            {
                OutputResult result = validation.Result;
                if (result.IsValid)
                {
                    ChatResponse accepted = Pass(request, response, result, response.Usage, 1, streamed: null, updates: null);
                    return ReferenceEquals(accepted, response) ? pending : Task.FromResult(accepted);
                }

                validation = new ValueTask<OutputResult>(result);
            }
        }
        catch (Exception ex)
        {
            return CallFailure.AsTask(ex);
        }

        // A failed answer (re-ask, fallback or throw) or a validator still running: the loop takes over from the check.
        return RunAsync(inner, request, messages, null, options, logger, new FirstAttempt(pending, validation), cancellationToken);
    }

    /// <summary>Runs the request's attempts; <paramref name="streamed"/>, when given, streams each attempt and gets the updates of the response when they can be replayed unchanged.</summary>
    public static Task<ChatResponse> RunAsync(
        IChatClient inner, ContractRequest request, IEnumerable<ChatMessage> messages, StreamedAttempt? streamed, ContractOptions options, ILogger logger, CancellationToken cancellationToken) =>
        RunAsync(inner, request, messages, streamed, options, logger, default, cancellationToken);

    /// <summary>The attempts' loop; <paramref name="first"/>, when set, is the first attempt already sent (and its check, when begun).</summary>
    private static async Task<ChatResponse> RunAsync(
        IChatClient inner,
        ContractRequest request,
        IEnumerable<ChatMessage> messages,
        StreamedAttempt? streamed,
        ContractOptions options,
        ILogger logger,
        FirstAttempt first,
        CancellationToken cancellationToken)
    {
        PromptContract contract = request.Contract;
        List<ChatMessage>? conversation = null;
        List<ChatMessage>? reasked = null;
        ChatOptions attemptOptions = request.Options;
        List<string>? failures = null;
        List<string>? kinds = null;
        UsageDetails? total = null;
        for (int attempt = 1; ; attempt++)
        {
            IEnumerable<ChatMessage> sent = conversation ?? messages;
            List<ChatResponseUpdate>? updates = null;
            ChatResponse response;
            if (attempt == 1 && first.Response is { } sentFirst)
            {
                response = await sentFirst.ConfigureAwait(false);
            }
            else if (streamed is not null)
            {
                OfferRequestTools(request, attemptOptions);
                updates = new List<ChatResponseUpdate>();
                await foreach (ChatResponseUpdate update in inner.GetStreamingResponseAsync(sent, attemptOptions, cancellationToken).ConfigureAwait(false))
                {
                    updates.Add(update);
                }

                response = updates.ToChatResponse();
            }
            else
            {
                OfferRequestTools(request, attemptOptions);
                response = await inner.GetResponseAsync(sent, attemptOptions, cancellationToken).ConfigureAwait(false);
            }

            total = Sum(total, response.Usage, attempt);
            CheckToolCalls(request, response, attempt, total, logger);

            if (CallsTools(response))
            {
                if (reasked is null)
                {
                    return Replayable(response, streamed, updates);
                }

                return Replayable(WithHistory(response, reasked, total), streamed, null);
            }

            OutputResult result = await first.CheckAsync(attempt, request.Plan, response, cancellationToken).ConfigureAwait(false);
            if (result.IsValid)
            {
                return Pass(request, response, result, total, attempt, streamed, updates);
            }

            List<ContractViolation> violations = result.Violations!;
            ContractViolations.Record(contract, violations);
            (failures ??= new List<string>()).AddRange(ContractViolations.Describe(violations, attempt));
            kinds = ContractViolations.KindsOf(violations, kinds);
            ContractLog.AnswerRejected(logger, contract.Id, contract.Version, attempt, violations.Count);

            if (contract.OnFailure == ContractFailurePolicy.Reask && attempt <= contract.MaxReasks)
            {
                if (options.ReaskTokenBudget is long budget && Tokens(total) >= budget)
                {
                    failures.Add($"re-asking stopped after attempt {attempt}: {Tokens(total)} tokens used of the {budget}-token budget");
                }
                else
                {
                    ContractLog.Reasking(logger, contract.Id, contract.Version, attempt + 1);
                    var feedback = new ChatMessage(ChatRole.User, ReaskMessage(request.Plan, violations));
                    (reasked ??= new List<ChatMessage>()).AddRange(response.Messages);
                    reasked.Add(feedback);
                    if (response.ConversationId is not null)
                    {
                        // The service keeps the conversation: send only the feedback, in the same conversation.
                        attemptOptions = request.Options.Clone();
                        attemptOptions.ConversationId = response.ConversationId;
                        conversation = new List<ChatMessage> { feedback };
                    }
                    else
                    {
                        conversation ??= new List<ChatMessage>(messages);
                        conversation.AddRange(response.Messages);
                        conversation.Add(feedback);
                    }

                    continue;
                }
            }

            if (contract.OnFailure == ContractFailurePolicy.Fallback)
            {
                request.RecordValidation(ValidationOutcomes.Fallback, attempt);
                return Replayable(Fallback(contract, response, total), streamed, null);
            }

            request.RecordValidation(ValidationOutcomes.Failed, attempt);
            throw new ContractViolationException(contract.Id, contract.Version, failures, total) { Kinds = kinds ?? [] };
        }
    }

    /// <summary>A response whose answer passed: records the outcome and marks the response with it.</summary>
    private static ChatResponse Pass(
        ContractRequest request, ChatResponse response, OutputResult result, UsageDetails? total, int attempt, StreamedAttempt? streamed, List<ChatResponseUpdate>? updates)
    {
        string outcome = attempt == 1 ? ValidationOutcomes.Passed : ValidationOutcomes.Reasked;
        request.RecordValidation(outcome, attempt);
        bool changed = Accept(response, result, outcome, total, attempt);
        return Replayable(ValidatedChatResponse.WithOutput(response, result.Value), streamed, changed ? null : updates);
    }

    /// <summary>Rejects a response that calls a tool outside the contract's allow-list.</summary>
    private static void CheckToolCalls(ContractRequest request, ChatResponse response, int attempt, UsageDetails? total, ILogger logger)
    {
        if (request.Plan.AllowedTools is null)
        {
            // Without an allow-list no call is outside it.
            return;
        }

        IList<ChatMessage> messages = response.Messages;
        for (int i = 0; i < messages.Count; i++)
        {
            ContractViolations.CheckToolCalls(request, messages[i].Contents, attempt, total, logger);
        }
    }

    /// <summary>The first attempt when it was sent before the loop: its task, and its answer's check when that began.</summary>
    private readonly record struct FirstAttempt(Task<ChatResponse>? Response, ValueTask<OutputResult>? Check)
    {
        /// <summary>Checks an attempt's answer: the first attempt's check when it began before the loop, else a new one.</summary>
        public ValueTask<OutputResult> CheckAsync(int attempt, ContractPlan plan, ChatResponse response, CancellationToken cancellationToken)
        {
            if (attempt == 1 && Check is { } begun)
            {
                return begun;
            }

            return ContractOutputCheck.ValidateAsync(plan, response, cancellationToken);
        }
    }

    private static ChatResponse Replayable(ChatResponse response, StreamedAttempt? streamed, List<ChatResponseUpdate>? updates)
    {
        if (streamed is not null)
        {
            streamed.Updates = updates;
        }

        return response;
    }

    /// <summary>Whether the response's last message calls a tool or asks the caller to approve one: not an answer yet.</summary>
    public static bool CallsTools(ChatResponse response)
    {
        if (response.Messages.Count == 0)
        {
            return false;
        }

        IList<AIContent> contents = response.Messages[^1].Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is FunctionCallContent || ToolApproval.IsRequest(contents[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The response of a re-ask that is not an answer yet, preceded by the rejected answers and re-asks that led to it.</summary>
    private static ChatResponse WithHistory(ChatResponse response, List<ChatMessage> reasked, UsageDetails? total)
    {
        reasked.AddRange(response.Messages);
        response.Messages = reasked;
        response.Usage = total;
        return response;
    }

    /// <summary>
    /// Puts the request's own tools back on the options of a later attempt: tool governance gave the call's options the
    /// governed tools of the attempt before (in place, and never takes them back, so whatever held on to those options
    /// keeps governed tools only), and the new attempt's tools are wrapped again, bound to it.
    /// </summary>
    private static void OfferRequestTools(ContractRequest request, ChatOptions attemptOptions)
    {
        if (!ReferenceEquals(attemptOptions.Tools, request.Tools))
        {
            attemptOptions.Tools = request.Tools;
        }
    }

    /// <summary>Marks a valid response; returns whether it changed, so buffered updates must be rebuilt from it.</summary>
    private static bool Accept(ChatResponse response, OutputResult result, string outcome, UsageDetails? total, int attempts)
    {
        bool changed = attempts > 1;
        if (result.Json is { } json && response.Messages.Count > 0)
        {
            ChatMessage last = response.Messages[^1];
            if (!string.Equals(last.Text, json, StringComparison.Ordinal))
            {
                // The answer becomes the extracted JSON, so callers can parse response.Text directly.
                IList<AIContent> contents = last.Contents;
                int at = -1;
                for (int i = contents.Count - 1; i >= 0; i--)
                {
                    if (contents[i] is TextContent)
                    {
                        contents.RemoveAt(i);
                        at = i;
                    }
                }

                contents.Insert(at < 0 ? 0 : at, new TextContent(json));
                changed = true;
            }
        }

        response.Usage = total;
        if (response.AdditionalProperties is { } properties)
        {
            properties[ContractChatResponseExtensions.ValidationOutcomeKey] = outcome;
        }
        else
        {
            response.AdditionalProperties = OutcomeProperties.Of(outcome);
        }

        return changed;
    }

    /// <summary>
    /// The response's properties when it came without any: the outcome alone, copied from a dictionary made once per
    /// outcome (a copy takes the stored entry as it is, without hashing the key again).
    /// </summary>
    private static class OutcomeProperties
    {
        private static readonly Dictionary<string, object?> Passed = For(ValidationOutcomes.Passed);
        private static readonly Dictionary<string, object?> Reasked = For(ValidationOutcomes.Reasked);

        public static AdditionalPropertiesDictionary Of(string outcome) => outcome switch
        {
            ValidationOutcomes.Passed => new AdditionalPropertiesDictionary(Passed),
            ValidationOutcomes.Reasked => new AdditionalPropertiesDictionary(Reasked),
            _ => new AdditionalPropertiesDictionary { [ContractChatResponseExtensions.ValidationOutcomeKey] = outcome },
        };

        // The comparer AdditionalPropertiesDictionary uses, so the copy can take the entry as stored.
        private static Dictionary<string, object?> For(string outcome) =>
            new(StringComparer.OrdinalIgnoreCase) { [ContractChatResponseExtensions.ValidationOutcomeKey] = outcome };
    }

    private static ChatResponse Fallback(PromptContract contract, ChatResponse last, UsageDetails? total) =>
        new(new ChatMessage(ChatRole.Assistant, contract.FallbackResponse))
        {
            ModelId = last.ModelId,
            ConversationId = last.ConversationId,
            FinishReason = ChatFinishReason.Stop,
            CreatedAt = last.CreatedAt,
            Usage = total,
            AdditionalProperties = new AdditionalPropertiesDictionary { [ContractChatResponseExtensions.ValidationOutcomeKey] = ValidationOutcomes.Fallback },
        };

    private static string ReaskMessage(ContractPlan plan, List<ContractViolation> violations)
    {
        var builder = new StringBuilder("Your previous answer does not satisfy the required output. Problems:\n");
        foreach (ContractViolation violation in violations)
        {
            builder.Append("- ").Append(violation.Message).Append('\n');
        }

        builder.Append(plan.Schema is null
            ? "Answer again, fixing every problem."
            : "Answer again, fixing every problem. Reply with only the JSON value that satisfies the schema: no prose, no code fences, not the schema itself.");
        return builder.ToString();
    }

    /// <summary>
    /// The usage of the attempts so far: the first attempt's own object while it is the only one (the response carries
    /// it anyway), a sum of its own from the second attempt on, so no attempt's response has its usage changed.
    /// </summary>
    private static UsageDetails? Sum(UsageDetails? total, UsageDetails? usage, int attempt)
    {
        if (usage is null)
        {
            return total;
        }

        if (attempt == 1)
        {
            return usage;
        }

        var sum = new UsageDetails();
        if (total is not null)
        {
            sum.Add(total);
        }

        sum.Add(usage);
        return sum;
    }

    private static long Tokens(UsageDetails? usage) =>
        usage is null ? 0 : usage.TotalTokenCount ?? ((usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0));
}
