using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Ai;

/// <summary>Enforces the request's prompt contract: inputs, rendered prompt, tool allow-list, response format, output validation and the on-failure policy.</summary>
/// <remarks>
/// <para>
/// A request is governed when its <see cref="GovernanceContext"/> (set with <c>ChatOptions.WithContract(id, inputs)</c>)
/// names a contract; any other request passes through untouched. For a governed request the stage, in order:
/// resolves the contract from the <see cref="IPromptRegistry"/> (exact version or label); checks the inputs
/// (missing, unknown, wrong type, too long, not matching the pattern) and throws
/// <see cref="ContractViolationException"/> listing every violation before any model call; renders the
/// template into <see cref="ChatOptions.Instructions"/> (before any instructions the caller set), in a single
/// pass so input values stay data; removes tools outside the allow-list from <see cref="ChatOptions.Tools"/>;
/// sets <see cref="ChatOptions.ResponseFormat"/> from the output schema; and caps <see cref="ChatOptions.MaxOutputTokens"/>.
/// The caller's <see cref="ChatOptions"/> are never modified.
/// </para>
/// <para>
/// A response that calls a tool outside the allow-list is rejected with <see cref="ContractViolationException"/>,
/// whatever the failure policy, before anything outside this stage can run the call. A final answer (one that
/// calls no tool) is validated: its JSON is extracted from code fences or surrounding prose, a schema echoed back
/// is rejected, the JSON is checked against the compiled output schema, parsed strictly into the output type,
/// and passed to the contract's validators. A valid answer's text becomes the extracted JSON. On failure the
/// contract's <see cref="PromptContract.OnFailure"/> applies: re-ask with the violations appended (at most
/// <see cref="PromptContract.MaxReasks"/> times and within <see cref="ContractOptions.ReaskTokenBudget"/>), return
/// <see cref="PromptContract.FallbackResponse"/>, or throw. Errors from the inner client are never fed back to
/// the model: they propagate. A response's <see cref="ChatResponse.Usage"/> is the total across its attempts.
/// </para>
/// <para>
/// Streaming passes updates through as they arrive and validates the assembled answer at the end, unless
/// <see cref="ContractOptions.BufferStreaming"/> is set; see that option. A stage of the governed pipeline; add
/// it with <c>ChatClientBuilder.UseContracts()</c> or as part of <c>UseGovernedAi()</c>. Safe for concurrent requests.
/// </para>
/// </remarks>
public sealed partial class ContractEnforcingChatClient : DelegatingChatClient
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key Microsoft.Extensions.AI's OpenAI adapter reads for strict schemas.</summary>
    internal const string StrictKey = "strict";

    private readonly IPromptRegistry _registry;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance of the <see cref="ContractEnforcingChatClient"/> class with an empty <see cref="InMemoryPromptRegistry"/>.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <remarks>Requests that name a contract fail until it is registered; use the constructor that takes a registry.</remarks>
    public ContractEnforcingChatClient(IChatClient innerClient, ContractOptions? options = null)
        : this(innerClient, new InMemoryPromptRegistry(), options)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ContractEnforcingChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="registry">Where contracts are resolved.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <param name="loggerFactory">Creates the stage's logger (deprecation warnings, re-asks, violations; never prompt or answer text); <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock deprecation is judged by; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> or <paramref name="registry"/> is <see langword="null"/>.</exception>
    public ContractEnforcingChatClient(
        IChatClient innerClient,
        IPromptRegistry registry,
        ContractOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        Options = options ?? new ContractOptions();
        _logger = (ILogger?)loggerFactory?.CreateLogger<ContractEnforcingChatClient>() ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the stage's options.</summary>
    public ContractOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="ContractViolationException">The inputs break the contract, the model called a tool outside the allow-list, or the answer failed validation and the policy is (or ended in) <see cref="ContractFailurePolicy.Throw"/>.</exception>
    /// <exception cref="ContractNotFoundException">The contract, version or label is not registered; the message lists the registered contracts.</exception>
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (GovernedCall.ContextOf(options) is not { ContractId: not null } context)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        Request request = Prepare(context, options!);
        Outcome outcome = await RunAsync(request, messages, streaming: false, cancellationToken).ConfigureAwait(false);
        return outcome.Response;
    }

    /// <inheritdoc />
    /// <exception cref="ContractViolationException">As for <see cref="GetResponseAsync"/>; without <see cref="ContractOptions.BufferStreaming"/>, an invalid answer surfaces at the end of the stream.</exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (GovernedCall.ContextOf(options) is not { ContractId: not null } context)
        {
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }

        return Options.BufferStreaming
            ? GetBufferedStreamingResponseAsync(context, messages, options!, cancellationToken)
            : GetPassThroughStreamingResponseAsync(context, messages, options!, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetBufferedStreamingResponseAsync(
        GovernanceContext context, IEnumerable<ChatMessage> messages, ChatOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Request request = Prepare(context, options);
        Outcome outcome = await RunAsync(request, messages, streaming: true, cancellationToken).ConfigureAwait(false);
        if (outcome.Updates is { } updates)
        {
            foreach (ChatResponseUpdate update in updates)
            {
                yield return update;
            }

            yield break;
        }

        foreach (ChatResponseUpdate update in outcome.Response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetPassThroughStreamingResponseAsync(
        GovernanceContext context, IEnumerable<ChatMessage> messages, ChatOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Request request = Prepare(context, options);
        ToolApproval.RecordDecisions(request.Call, messages);
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, request.Options, cancellationToken).ConfigureAwait(false))
        {
            // A call to a tool outside the allow-list never leaves this stage, so nothing outside can run it.
            CheckToolCalls(request, update.Contents, attempt: 1, usage: null);
            updates.Add(update);
            yield return update;
        }

        ChatResponse response = updates.ToChatResponse();
        ToolApproval.RecordRequests(request.Call, response);
        if (CallsTools(response))
        {
            yield break;
        }

        OutputResult result = await ContractOutputCheck.ValidateAsync(request.Plan, response, cancellationToken).ConfigureAwait(false);
        if (result.IsValid)
        {
            request.Call?.SetValidation(ValidationOutcomes.Passed, 1);
            yield break;
        }

        RecordViolations(request.Plan.Contract, result.Violations!);
        request.Call?.SetValidation(ValidationOutcomes.Failed, 1);
        Log.AnswerRejected(_logger, request.Plan.Contract.Id, request.Plan.Contract.Version, 1, result.Violations!.Count);
        throw new ContractViolationException(request.Plan.Contract.Id, request.Plan.Contract.Version, Describe(result.Violations!, attempt: 1), response.Usage) { Kinds = KindsOf(result.Violations!, null) };
    }

    /// <summary>Whether a tool would inherit the request's strictness: Microsoft.Extensions.AI.OpenAI applies <see cref="StrictKey"/> to every function that does not state its own.</summary>
    private static bool OffersToolsWithoutOwnStrictness(IList<AITool>? tools)
    {
        if (tools is null)
        {
            return false;
        }

        for (int i = 0; i < tools.Count; i++)
        {
            if (tools[i] is AIFunctionDeclaration function && function.AdditionalProperties?.ContainsKey(StrictKey) != true)
            {
                return true;
            }
        }

        return false;
    }

    private PromptContract ResolveContract(string id, string? versionOrLabel)
    {
        try
        {
            return _registry.Resolve(id, versionOrLabel);
        }
        catch (KeyNotFoundException ex)
        {
            // An app's own registry may follow the dictionary convention; callers still get one typed error.
            throw new ContractNotFoundException(id, versionOrLabel, ex.Message);
        }
    }

    /// <summary>Resolves the contract and checks the inputs, then builds the options the model sees.</summary>
    private Request Prepare(GovernanceContext context, ChatOptions options)
    {
        string? versionOrLabel = context.ContractVersion;
        PromptContract contract = ResolveContract(context.ContractId!, versionOrLabel);
        ContractPlan plan = contract.GetPlan();
        GovernedCall? call = GovernedCall.Observed;
        if (call is not null)
        {
            call.SetContract(contract.Id, contract.Version);
            if (versionOrLabel is not null && !string.Equals(versionOrLabel, contract.Version, StringComparison.Ordinal))
            {
                call.ContractLabel = versionOrLabel;
                call.Activity?.SetTag(TelemetryNames.Attributes.ContractLabel, versionOrLabel);
            }
        }

        if (plan.IsDeprecated(_timeProvider.GetUtcNow()))
        {
            call?.Activity?.SetTag(TelemetryNames.Attributes.ContractDeprecated, true);
            if (plan.ShouldLogDeprecation())
            {
                Log.DeprecatedContract(_logger, contract.Id, contract.Version, contract.DeprecatedAfter!.Value, contract.ReplacedBy ?? "(none)");
            }
        }

        var violations = new List<ContractViolation>();
        Dictionary<string, string> values = ContractInputValues.Read(plan, context.Inputs, violations);
        if (options.ToolMode is RequiredChatToolMode { RequiredFunctionName: string required } && !plan.IsToolAllowed(required))
        {
            violations.Add(new(ContractViolationKinds.ToolNotAllowed, $"tool '{required}' is required by the request's tool mode but not allowed by the contract"));
        }

        if (violations.Count > 0)
        {
            RecordViolations(contract, violations);
            call?.SetValidation(ValidationOutcomes.Failed, 0);
            throw new ContractViolationException(contract.Id, contract.Version, Describe(violations, attempt: null)) { Kinds = KindsOf(violations, null) };
        }

        ChatOptions request = GovernedCall.OwnsOptions(options) ? options : options.Clone();
        if (plan.Template is { } template)
        {
            string rendered = template.Render(values, static (inputs, name) => inputs.TryGetValue(name, out string? value) ? value : null);
            request.Instructions = string.IsNullOrEmpty(options.Instructions) ? rendered : rendered + "\n\n" + options.Instructions;
            if (call is not null)
            {
                // The audit can tell which exact prompt was sent without ever holding it.
                call.RenderedPromptHash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(rendered.AsSpan())).ToString("x16", CultureInfo.InvariantCulture);
            }
        }

        if ((plan.AllowedTools is not null || plan.RequiresToolApproval) && request.Tools is { Count: > 0 } tools)
        {
            var allowed = new List<AITool>(tools.Count);
            foreach (AITool tool in tools)
            {
                if (plan.IsToolAllowed(tool.Name))
                {
                    allowed.Add(plan.RequiresToolApproval ? ToolApproval.Require(tool) : tool);
                }
            }

            request.Tools = allowed;
        }

        if (plan.ResponseFormat is not null)
        {
            request.ResponseFormat = plan.ResponseFormat;
            if (Options.StrictOutputSchema && plan.IsStrictCompatible && !OffersToolsWithoutOwnStrictness(request.Tools) &&
                request.AdditionalProperties?.ContainsKey(StrictKey) != true)
            {
                (request.AdditionalProperties ??= new AdditionalPropertiesDictionary())[StrictKey] = true;
            }
        }

        if (contract.MaxOutputTokens is int maxOutput && (request.MaxOutputTokens is null || request.MaxOutputTokens > maxOutput))
        {
            request.MaxOutputTokens = maxOutput;
        }

        if (contract.MaxInputTokens is int maxInput)
        {
            if (GovernedCall.Current is { } current)
            {
                // Inside the governed pipeline the cap reaches the budgeting of every model call through the call's state.
                current.MaxInputTokens = current.MaxInputTokens is int cap && cap < maxInput ? cap : maxInput;
            }
            else
            {
                (request.AdditionalProperties ??= new AdditionalPropertiesDictionary())[TokenBudgetOptions.MaxInputTokensKey] = maxInput;
            }
        }

        return new Request(plan, request, call);
    }

    private async Task<Outcome> RunAsync(Request request, IEnumerable<ChatMessage> messages, bool streaming, CancellationToken cancellationToken)
    {
        PromptContract contract = request.Plan.Contract;
        ToolApproval.RecordDecisions(request.Call, messages);
        List<ChatMessage>? conversation = null;
        ChatOptions attemptOptions = request.Options;
        List<string>? failures = null;
        List<string>? kinds = null;
        UsageDetails? total = null;
        for (int attempt = 1; ; attempt++)
        {
            IEnumerable<ChatMessage> sent = conversation ?? messages;
            List<ChatResponseUpdate>? updates = null;
            ChatResponse response;
            if (streaming)
            {
                updates = new List<ChatResponseUpdate>();
                await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(sent, attemptOptions, cancellationToken).ConfigureAwait(false))
                {
                    updates.Add(update);
                }

                response = updates.ToChatResponse();
            }
            else
            {
                response = await base.GetResponseAsync(sent, attemptOptions, cancellationToken).ConfigureAwait(false);
            }

            total = Sum(total, response.Usage);
            foreach (ChatMessage message in response.Messages)
            {
                CheckToolCalls(request, message.Contents, attempt, total);
            }

            if (CallsTools(response))
            {
                // Not an answer yet: the caller's tool loop runs the (allowed) calls and comes back, or the
                // caller is asked to approve them and sends the decisions in its next request.
                ToolApproval.RecordRequests(request.Call, response);
                return new Outcome(response, updates);
            }


            OutputResult result = await ContractOutputCheck.ValidateAsync(request.Plan, response, cancellationToken).ConfigureAwait(false);
            if (result.IsValid)
            {
                string outcome = attempt == 1 ? ValidationOutcomes.Passed : ValidationOutcomes.Reasked;
                request.Call?.SetValidation(outcome, attempt);
                bool changed = Accept(response, result, outcome, total, attempt);
                return new Outcome(ValidatedChatResponse.WithOutput(response, result.Value), changed ? null : updates);
            }

            List<ContractViolation> violations = result.Violations!;
            RecordViolations(contract, violations);
            (failures ??= new List<string>()).AddRange(Describe(violations, attempt));
            kinds = KindsOf(violations, kinds);
            Log.AnswerRejected(_logger, contract.Id, contract.Version, attempt, violations.Count);

            if (contract.OnFailure == ContractFailurePolicy.Reask && attempt <= contract.MaxReasks)
            {
                if (Options.ReaskTokenBudget is long budget && Tokens(total) >= budget)
                {
                    failures.Add($"re-asking stopped after attempt {attempt}: {Tokens(total)} tokens used of the {budget}-token budget");
                }
                else
                {
                    Log.Reasking(_logger, contract.Id, contract.Version, attempt + 1);
                    var feedback = new ChatMessage(ChatRole.User, ReaskMessage(request.Plan, violations));
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
                request.Call?.SetValidation(ValidationOutcomes.Fallback, attempt);
                return new Outcome(Fallback(contract, response, total), null);
            }

            request.Call?.SetValidation(ValidationOutcomes.Failed, attempt);
            throw new ContractViolationException(contract.Id, contract.Version, failures, total) { Kinds = kinds ?? [] };
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
        (response.AdditionalProperties ??= new AdditionalPropertiesDictionary())[ContractChatResponseExtensions.ValidationOutcomeKey] = outcome;
        return changed;
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

    private void CheckToolCalls(Request request, IList<AIContent> contents, int attempt, UsageDetails? usage)
    {
        if (request.Plan.AllowedTools is null)
        {
            return;
        }

        List<ContractViolation>? violations = null;
        for (int i = 0; i < contents.Count; i++)
        {
            if (ToolApproval.CallIn(contents[i]) is { } call && !request.Plan.IsToolAllowed(call.Name))
            {
                (violations ??= new List<ContractViolation>()).Add(new(
                    ContractViolationKinds.ToolNotAllowed, $"the model called tool '{call.Name}', which the contract does not allow"));
            }
        }

        if (violations is not null)
        {
            PromptContract contract = request.Plan.Contract;
            RecordViolations(contract, violations);
            request.Call?.SetValidation(ValidationOutcomes.Failed, attempt);
            Log.AnswerRejected(_logger, contract.Id, contract.Version, attempt, violations.Count);
            throw new ContractViolationException(contract.Id, contract.Version, Describe(violations, attempt: null), usage) { Kinds = KindsOf(violations, null) };
        }
    }

    private static bool CallsTools(ChatResponse response)
    {
        if (response.Messages.Count == 0)
        {
            return false;
        }

        foreach (AIContent content in response.Messages[^1].Contents)
        {
            if (content is FunctionCallContent || ToolApproval.IsRequest(content))
            {
                return true;
            }
        }

        return false;
    }

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

    private static List<string> Describe(List<ContractViolation> violations, int? attempt)
    {
        var described = new List<string>(violations.Count);
        foreach (ContractViolation violation in violations)
        {
            described.Add(attempt is int n ? $"attempt {n}: {violation.Message}" : violation.Message);
        }

        return described;
    }

    /// <summary>Adds the distinct kinds of <paramref name="violations"/> to <paramref name="kinds"/>, for telemetry.</summary>
    private static List<string> KindsOf(List<ContractViolation> violations, List<string>? kinds)
    {
        kinds ??= new List<string>(2);
        foreach (ContractViolation violation in violations)
        {
            if (!kinds.Contains(violation.Kind))
            {
                kinds.Add(violation.Kind);
            }
        }

        return kinds;
    }

    private static void RecordViolations(PromptContract contract, List<ContractViolation> violations)
    {
        if (!GovernedAiTelemetry.ContractViolations.Enabled)
        {
            return;
        }

        foreach (ContractViolation violation in violations)
        {
            var tags = new TagList
            {
                { TelemetryNames.Attributes.ContractId, contract.Id },
                { TelemetryNames.Attributes.ContractVersion, contract.Version },
                { TelemetryNames.Attributes.ViolationKind, violation.Kind },
            };
            GovernedAiTelemetry.ContractViolations.Add(1, tags);
        }
    }

    private static UsageDetails? Sum(UsageDetails? total, UsageDetails? usage)
    {
        if (usage is null)
        {
            return total;
        }

        total ??= new UsageDetails();
        total.Add(usage);
        return total;
    }

    private static long Tokens(UsageDetails? usage) =>
        usage is null ? 0 : usage.TotalTokenCount ?? ((usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0));

    private sealed record Request(ContractPlan Plan, ChatOptions Options, GovernedCall? Call);

    private sealed record Outcome(ChatResponse Response, List<ChatResponseUpdate>? Updates);

    private static class ValidationOutcomes
    {
        public const string Passed = "passed";
        public const string Reasked = "reasked";
        public const string Fallback = "fallback";
        public const string Failed = "failed";
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Contract {ContractId} version {ContractVersion} is deprecated since {DeprecatedAfter:O} and still in use; replaced by {ReplacedBy}.")]
        public static partial void DeprecatedContract(ILogger logger, string contractId, string contractVersion, DateTimeOffset deprecatedAfter, string replacedBy);

        [LoggerMessage(2, LogLevel.Warning, "Contract {ContractId} version {ContractVersion}: attempt {Attempt} broke the contract with {ViolationCount} violation(s).")]
        public static partial void AnswerRejected(ILogger logger, string contractId, string contractVersion, int attempt, int violationCount);

        [LoggerMessage(3, LogLevel.Information, "Contract {ContractId} version {ContractVersion}: re-asking the model (attempt {Attempt}).")]
        public static partial void Reasking(ILogger logger, string contractId, string contractVersion, int attempt);
    }
}
