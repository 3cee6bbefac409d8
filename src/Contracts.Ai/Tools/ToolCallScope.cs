using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>What governed tools share within one chat request: its call state, governance context, idempotency and screening, and a rejection to rethrow.</summary>
internal sealed class ToolCallScope
{
    private readonly IdempotencyCoordinator? _coordinator;
    private Exception? _deferred;

    public ToolCallScope(GovernedCall? call, GovernanceContext? context, IdempotencyCoordinator? coordinator, IToolOutputScreen? screen, bool bound)
    {
        Call = call;
        Context = context;
        _coordinator = coordinator;
        Screen = screen;
        IsBound = bound;
    }

    /// <summary>Gets the scope of tools used outside <see cref="ToolGovernanceChatClient"/>: state comes from the tool loop's current context, if any.</summary>
    public static ToolCallScope Detached { get; } = new(null, null, null, null, bound: false);

    /// <summary>Gets a value indicating whether the scope belongs to one request of a <see cref="ToolGovernanceChatClient"/>.</summary>
    public bool IsBound { get; }

    public IToolOutputScreen? Screen { get; }

    /// <summary>Gets the coordinator of the request's pipeline, or for a detached tool the process's (see <see cref="DefaultToolIdempotency"/>).</summary>
    public IdempotencyCoordinator Coordinator => _coordinator ?? DefaultToolIdempotency.Coordinator;

    private GovernedCall? Call { get; }

    private GovernanceContext? Context { get; }

    public GovernedCall? GetCall() => IsBound ? Call : GovernedCall.Observed;

    public GovernanceContext? GetContext() => IsBound ? Context : GovernedCall.ContextOf(FunctionInvokingChatClient.CurrentContext?.Options);

    /// <summary>Keeps the first rejection of the request, to be thrown once the tool loop has stopped.</summary>
    public void Defer(Exception exception) => Interlocked.CompareExchange(ref _deferred, exception, null);

    public void ThrowIfRejected()
    {
        if (Volatile.Read(ref _deferred) is { } exception)
        {
            ExceptionDispatchInfo.Throw(exception);
        }
    }
}
