using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Wraps every AIFunction in ChatOptions.Tools in a GovernedAIFunction: argument validation, timeout, idempotency, strict output parsing, size cap and screening.</summary>
/// <remarks>
/// <para>
/// A stage of the governed pipeline; add it with <c>ChatClientBuilder.UseToolGovernance()</c> or as part of
/// <c>UseGovernedAi()</c>. Place it outside (before) <c>UseFunctionInvocation()</c>: the tools are wrapped on their
/// way in, so the tool loop, ours or the app's, invokes the governed ones. Tools the loop holds itself
/// (<c>FunctionInvokingChatClient.AdditionalTools</c>) are not governed.
/// </para>
/// <para>
/// Approval requests coming up from the tool loop are signed, and an approval sent back is let through to the loop only when
/// its request was signed for the same call (name, id, arguments; see <see cref="ToolGovernanceOptions.ApprovalSigningKey"/>):
/// a caller cannot approve a call the model never proposed. Requests and decisions go into the call's audit record.
/// </para>
/// <para>
/// A tool that is already a <see cref="GovernedAIFunction"/> keeps its own settings and is not wrapped again.
/// The caller's <see cref="ChatOptions"/> are never changed: the governed tools go down on a copy (inside the governed
/// pipeline, the call's own copy of the options), which keeps them after the response, so whatever was handed it (the
/// tool loop, a provider, a middleware below) never finds an ungoverned function in it.
/// Settings are resolved once per function and cached. The client is safe to use from many threads.
/// </para>
/// </remarks>
public sealed class ToolGovernanceChatClient : DelegatingChatClient
{
    private readonly ConditionalWeakTable<AIFunction, ToolRuntime> _runtimes = new();
    private readonly ConditionalWeakTable<AIFunction, ToolRuntime>.CreateValueCallback _createRuntime;
    private readonly ContentHashCache<ToolRuntime> _plainRuntimes = new(generationCapacity: 1_024);
    private readonly IdempotencyCoordinator _coordinator;
    private readonly IToolOutputScreen? _screen;
    private readonly ToolApprovalSigner _approvals;

    // The tools of the last request governed, with their runtimes: apps mostly offer the same tools to every request.
    private ToolSet? _lastTools;

    /// <summary>Initializes a new instance of the <see cref="ToolGovernanceChatClient"/> class.</summary>
    /// <param name="innerClient">The client the stage wraps.</param>
    /// <param name="options">The stage's options; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public ToolGovernanceChatClient(IChatClient innerClient, ToolGovernanceOptions? options = null)
        : this(innerClient, options, coordinator: null, screen: null)
    {
    }

    internal ToolGovernanceChatClient(IChatClient innerClient, ToolGovernanceOptions? options, IdempotencyCoordinator? coordinator, IToolOutputScreen? screen)
        : base(innerClient)
    {
        Options = options ?? new ToolGovernanceOptions();
        // Without a store from dependency injection, the pipeline keeps its own bounded in-memory one.
        _coordinator = coordinator ?? new IdempotencyCoordinator(new InMemoryIdempotencyStore(), new IdempotencyOptions(), TimeProvider.System);
        _screen = screen;
        _approvals = ToolApprovalSigner.For(Options.ApprovalSigningKey);
        _createRuntime = CreateRuntime;
    }

    /// <summary>Gets the stage's options.</summary>
    public ToolGovernanceOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="ToolArgumentViolationException">Under <see cref="ToolRejectionPolicy.Throw"/>, a tool call broke the tool's parameter schema.</exception>
    /// <exception cref="ToolOutputViolationException">Under <see cref="ToolRejectionPolicy.Throw"/>, a tool's output broke its contract.</exception>
    /// <exception cref="UnsafeContentException">The messages approve a tool call whose approval request this stage did not sign, or whose call was changed since.</exception>
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        GovernedCall? current = GovernedCall.Current;
        GovernedCall? call = CheckApprovals(messages, current);

        // The call's own copy of the options (no one else holds it) gets its governed tools in place, and keeps them:
        // whatever is handed those options (the tool loop, a provider, a middleware below) finds governed tools in them,
        // during the call and after it. A later attempt of the same call (a contract's re-ask) offers the request's
        // tools again, which are wrapped anew, bound to that attempt.
        ToolCallScope? scope = Govern(ref options, inPlace: current?.Owns(options) == true, current);
        return scope is null
            ? base.GetResponseAsync(messages, options, cancellationToken)
            : GetGovernedResponseAsync(messages, options, scope, call, cancellationToken);
    }

    private Task<ChatResponse> GetGovernedResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, ToolCallScope scope, GovernedCall? call, CancellationToken cancellationToken)
    {
        Task<ChatResponse> pending = base.GetResponseAsync(messages, options, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitGovernedResponseAsync(pending, scope, call);
        }

        // Answered at once (the tool loop ran no tool, or ran them without awaiting): no state machine of this stage.
        try
        {
            Finish(pending.Result, scope, call);
        }
        catch (Exception ex)
        {
            return Task.FromException<ChatResponse>(ex);
        }

        return pending;
    }

    private async Task<ChatResponse> AwaitGovernedResponseAsync(Task<ChatResponse> pending, ToolCallScope scope, GovernedCall? call)
    {
        ChatResponse response = await pending.ConfigureAwait(false);
        Finish(response, scope, call);
        return response;
    }

    /// <summary>Throws a rejection the policy says to throw, and signs and records the approval requests of the response.</summary>
    private void Finish(ChatResponse response, ToolCallScope scope, GovernedCall? call)
    {
        scope.ThrowIfRejected();
        IList<ChatMessage> messages = response.Messages;
        for (int i = 0; i < messages.Count; i++)
        {
            IList<AIContent> contents = messages[i].Contents;
            _approvals.SignRequests(contents);
            ToolApproval.RecordRequests(call, contents);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ToolArgumentViolationException">Under <see cref="ToolRejectionPolicy.Throw"/>, a tool call broke the tool's parameter schema.</exception>
    /// <exception cref="ToolOutputViolationException">Under <see cref="ToolRejectionPolicy.Throw"/>, a tool's output broke its contract.</exception>
    /// <exception cref="UnsafeContentException">The messages approve a tool call whose approval request this stage did not sign, or whose call was changed since.</exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        GovernedCall? current = GovernedCall.Current;
        GovernedCall? call = CheckApprovals(messages, current);
        ToolCallScope? scope = Govern(ref options, inPlace: current?.Owns(options) == true, current);
        IAsyncEnumerable<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(messages, options, cancellationToken);

        // Without functions the loop has nothing to ask approval for, and nothing to reject.
        return scope is null ? updates : GovernStreamAsync(updates, scope, call, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GovernStreamAsync(
        IAsyncEnumerable<ChatResponseUpdate> updates, ToolCallScope scope, GovernedCall? call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool throwOnRejection = Options.OnRejection == ToolRejectionPolicy.Throw;
        await foreach (ChatResponseUpdate update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (throwOnRejection)
            {
                scope.ThrowIfRejected();
            }

            _approvals.SignRequests(update.Contents);
            ToolApproval.RecordRequests(call, update.Contents);
            yield return update;
        }

        if (throwOnRejection)
        {
            scope.ThrowIfRejected();
        }
    }

    /// <summary>Checks the approvals in <paramref name="messages"/> and records the decisions; returns the call when it is observed.</summary>
    private GovernedCall? CheckApprovals(IEnumerable<ChatMessage> messages, GovernedCall? current)
    {
        _approvals.CheckApprovals(messages);
        GovernedCall? call = current?.Record is not null ? current : null;
        ToolApproval.RecordDecisions(call, messages);
        return call;
    }

    /// <summary>
    /// Replaces the request's options by a copy whose functions are governed, or, <paramref name="inPlace"/>, gives
    /// the call's own copy its governed functions; returns the request's scope, or <see langword="null"/> when it has no functions.
    /// </summary>
    private ToolCallScope? Govern(ref ChatOptions? options, bool inPlace, GovernedCall? current)
    {
        if (options?.Tools is not { Count: > 0 } tools)
        {
            return null;
        }

        ToolCallScope? scope = null;
        List<AITool>? governed = null;
        ToolSet? known = Volatile.Read(ref _lastTools);
        if (known is not null && !known.Holds(tools))
        {
            known = null;
        }

        ToolRuntime?[]? found = known is null ? new ToolRuntime?[tools.Count] : null;
        bool seenBefore = true;
        for (int i = 0; i < tools.Count; i++)
        {
            AITool tool = tools[i];
            AIFunction? function = tool as AIFunction;
            ToolRuntime? runtime;
            if (known is not null)
            {
                runtime = known.Runtimes[i];
                function = runtime is null ? null : function;
            }
            else
            {
                // A function seen before has its runtime: it was found then not to wrap a governed tool (what a function wraps does not change).
                runtime = null;
                if (function is not null && !_runtimes.TryGetValue(function, out runtime))
                {
                    seenBefore = false;
                    if (function is not GovernedAIFunction && function.GetService<GovernedAIFunction>() is not null)
                    {
                        function = null;
                    }
                    else
                    {
                        runtime = RuntimeOf(function);
                    }
                }

                found![i] = runtime;
            }

            if (function is null)
            {
                governed?.Add(tool);
                continue;
            }

            if (governed is null)
            {
                governed = new List<AITool>(tools.Count);
                for (int j = 0; j < i; j++)
                {
                    governed.Add(tools[j]);
                }
            }

            scope ??= new ToolCallScope(
                current?.Record is not null ? current : null, current?.Context ?? options.GetGovernanceContext(), _coordinator, _screen, bound: true);
            (AIFunction inner, ToolPolicy policy) = Unwrap(function);
            var wrapped = new GovernedAIFunction(inner, policy, runtime!, scope);
            governed.Add(runtime!.RequiresApproval && function.GetService<ApprovalRequiredAIFunction>() is null ? RequireApproval(wrapped) : wrapped);
        }

        if (found is not null && seenBefore)
        {
            // Kept only once every tool has been seen before: tools created per request never churn it.
            Volatile.Write(ref _lastTools, new ToolSet(tools, found));
        }

        if (governed is null)
        {
            return null;
        }

        if (!inPlace)
        {
            options = options.Clone();
        }

        options.Tools = governed;
        return scope;
    }

#pragma warning disable MEAI001 // Approval is an experimental MEAI feature; it stays an internal detail, switched on by configuration.
    private static ApprovalRequiredAIFunction RequireApproval(AIFunction function) => new ApprovalRequiredAIFunction(function);
#pragma warning restore MEAI001

    /// <summary>
    /// The runtime of a tool: by object for a tool seen before, else by what a plain tool declares, so an app
    /// that creates its tools per request compiles nothing per request. Only the first object with new
    /// content is remembered by object; later equal objects are found by content and not remembered one by one.
    /// </summary>
    private ToolRuntime RuntimeOf(AIFunction function)
    {
        if (_runtimes.TryGetValue(function, out ToolRuntime? runtime))
        {
            return runtime;
        }

        if (function is GovernedAIFunction)
        {
            // Its settings (output contract, timeout, idempotency) are objects of its own: one runtime per object.
            return _runtimes.GetValue(function, _createRuntime);
        }

        UInt128 key = ContentFingerprint.Of(function) ^ (ToolRuntime.IsMarkedHighRisk(function) ? UInt128.One : UInt128.Zero);
        if (!_plainRuntimes.TryGet(key, out runtime!))
        {
            runtime = _runtimes.GetValue(function, _createRuntime);
            _plainRuntimes.Store(key, runtime);
        }

        return runtime;
    }

    private ToolRuntime CreateRuntime(AIFunction function)
    {
        (AIFunction inner, ToolPolicy policy) = Unwrap(function);
        return new ToolRuntime(inner, policy.WithDefaults(inner.Name, Options), Options);
    }

    /// <summary>The original function and the settings made on it: a governed tool is rebound, never wrapped again.</summary>
    private static (AIFunction Inner, ToolPolicy Policy) Unwrap(AIFunction function) =>
        function is GovernedAIFunction governed ? (governed.Inner, governed.Policy) : (function, ToolPolicy.Empty);

    /// <summary>
    /// A request's tools and the runtime of each (<see langword="null"/> for a tool offered as it is), so the next request
    /// offering the very same tool objects in the same order finds their runtimes without a lookup per tool.
    /// </summary>
    private sealed class ToolSet
    {
        private readonly AITool[] _tools;

        public ToolSet(IList<AITool> tools, ToolRuntime?[] runtimes)
        {
            _tools = new AITool[tools.Count];
            tools.CopyTo(_tools, 0);
            Runtimes = runtimes;
        }

        public ToolRuntime?[] Runtimes { get; }

        public bool Holds(IList<AITool> tools)
        {
            if (tools.Count != _tools.Length)
            {
                return false;
            }

            for (int i = 0; i < _tools.Length; i++)
            {
                if (!ReferenceEquals(tools[i], _tools[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
