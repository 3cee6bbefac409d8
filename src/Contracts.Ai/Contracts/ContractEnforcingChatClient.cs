using System;
using System.Collections.Generic;
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
/// A response that calls tools or asks approval after a re-ask carries the rejected answers and re-asks before it.
/// </para>
/// <para>
/// Approval: when no <see cref="ToolGovernanceChatClient"/> runs below this stage, the stage itself signs the approval
/// requests the tool loop returns, refuses (with <see cref="UnsafeContentException"/>) an approval whose request it did
/// not sign for the same call, and records and logs requests and decisions. A contract that requires approval of its
/// tools fails with <see cref="InvalidOperationException"/> when no tool loop runs below this stage, before the model is called.
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
    private readonly ToolApprovalGate? _approvals;
    private readonly bool _toolLoopBelow;

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
        : this(innerClient, registry, options, loggerFactory, timeProvider, approvalSigningKey: null)
    {
    }

    /// <summary>Initializes the stage; <paramref name="approvalSigningKey"/> signs approval requests when no tool governance stage below does.</summary>
    internal ContractEnforcingChatClient(
        IChatClient innerClient,
        IPromptRegistry registry,
        ContractOptions? options,
        ILoggerFactory? loggerFactory,
        TimeProvider? timeProvider,
        string? approvalSigningKey)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        Options = options ?? new ContractOptions();
        _logger = (ILogger?)loggerFactory?.CreateLogger<ContractEnforcingChatClient>() ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;

        // Approvals are signed and checked right above the tool loop: by tool governance when it is below this stage,
        // else here, so a pipeline with contracts but without tool governance cannot be sent a forged approval.
        _toolLoopBelow = innerClient.GetService(typeof(FunctionInvokingChatClient)) is not null;
        if (innerClient.GetService(typeof(ToolGovernanceChatClient)) is null)
        {
            _approvals = new ToolApprovalGate(ToolApprovalSigner.For(approvalSigningKey), _logger);
        }
    }

    /// <summary>Gets the stage's options.</summary>
    public ContractOptions Options { get; }

    /// <summary>Checks the caller's approvals (when this stage signs them), then prepares the request the contract shapes.</summary>
    /// <exception cref="InvalidOperationException">The contract requires approval of its tools but no tool loop runs below this stage to ask for it.</exception>
    private ContractRequest Prepare(GovernanceContext context, IEnumerable<ChatMessage> messages, ChatOptions options)
    {
        ContractRequest request = ContractRequest.Prepare(_registry, Options, _timeProvider, _logger, context, options);
        if (request.Plan.RequiresToolApproval && !_toolLoopBelow && request.Options.Tools is { Count: > 0 })
        {
            // The tool loop would run above this stage, on the caller's tools, which never need approval there.
            throw new InvalidOperationException(
                $"Contract '{request.Contract.Id}' {request.Contract.Version} requires approval of its tools, but no tool loop runs below UseContracts(): " +
                "the tools would run without approval. Add UseFunctionInvocation() after UseContracts() (or use UseGovernedAi()/AddGovernedAi(), which place the loop).");
        }

        _approvals?.CheckDecisions(request, messages);
        return request;
    }

    /// <inheritdoc />
    /// <exception cref="ContractViolationException">The inputs break the contract, the model called a tool outside the allow-list, or the answer failed validation and the policy is (or ended in) <see cref="ContractFailurePolicy.Throw"/>.</exception>
    /// <exception cref="ContractNotFoundException">The contract, version or label is not registered; the message lists the registered contracts.</exception>
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // Without a contract the request goes on as it came, without a state machine of this stage.
        return GovernedCall.ContextOf(options) is { ContractId: not null } context
            ? GetContractResponseAsync(context, messages, options!, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);
    }

    private Task<ChatResponse> GetContractResponseAsync(
        GovernanceContext context, IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        ContractRequest request;
        try
        {
            request = Prepare(context, messages, options);
        }
        catch (Exception ex)
        {
            // Broken inputs or an unknown contract fail the returned task, as they would in an async method.
            return Task.FromException<ChatResponse>(ex);
        }

        // Nothing to sign on the way out: the attempts' task is the response, without a state machine of this stage.
        Task<ChatResponse> attempts = ContractAttempts.Run(InnerClient, request, messages, Options, _logger, cancellationToken);
        if (_approvals is null)
        {
            return attempts;
        }

        if (!attempts.IsCompletedSuccessfully)
        {
            return SignApprovalRequestsAsync(attempts, request);
        }

        // Answered at once: signed here, without a state machine.
        try
        {
            SignApprovalRequests(attempts.Result, request);
        }
        catch (Exception ex)
        {
            return Task.FromException<ChatResponse>(ex);
        }

        return attempts;
    }

    private async Task<ChatResponse> SignApprovalRequestsAsync(Task<ChatResponse> attempts, ContractRequest request)
    {
        ChatResponse response = await attempts.ConfigureAwait(false);
        SignApprovalRequests(response, request);
        return response;
    }

    private void SignApprovalRequests(ChatResponse response, ContractRequest request)
    {
        IList<ChatMessage> messages = response.Messages;
        for (int i = 0; i < messages.Count; i++)
        {
            _approvals!.SignRequests(request, messages[i].Contents);
        }
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
}
