using System;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// The record of one observed governed call: the decision record of each stage that took part (contract and
/// validation, routing and rollout, idempotency, budget, screening, tool calls), each written only by its stage, and
/// what the outermost stage keeps of the call itself (span, start, usage, error, answer). The request's span,
/// metrics, log and audit read it when the call ends.
/// </summary>
/// <remarks>
/// Created only when something observes the call (a listener, an audit sink, Debug logging) or a rollout judges its
/// version by it: an unobserved call carries only its <see cref="GovernedCall"/> state. A stage's record is created on
/// its first decision, so a stage that does not run in a call leaves nothing. Stages may record from several threads
/// (parallel tool calls): a record is created at most once.
/// </remarks>
internal sealed class CallRecord
{
    private ContractDecision? _contract;
    private RoutingDecision? _routing;
    private IdempotencyDecision? _idempotency;
    private BudgetDecision? _budget;
    private ScreeningDecision? _screening;
    private ToolCallDecisions? _toolCalls;

    /// <summary>Gets what the contract stage decided, or <see langword="null"/> when no contract governed the call.</summary>
    public ContractDecision? Contract => Volatile.Read(ref _contract);

    /// <summary>Gets what routing decided, or <see langword="null"/> when no rollout routed the call.</summary>
    public RoutingDecision? Routing => Volatile.Read(ref _routing);

    /// <summary>Gets what request idempotency decided, or <see langword="null"/> when the call had no idempotency key.</summary>
    public IdempotencyDecision? Idempotency => Volatile.Read(ref _idempotency);

    /// <summary>Gets what budgeting decided, or <see langword="null"/> when nothing was budgeted.</summary>
    public BudgetDecision? Budget => Volatile.Read(ref _budget);

    /// <summary>Gets what screening decided, or <see langword="null"/> when screening redacted and detected nothing.</summary>
    public ScreeningDecision? Screening => Volatile.Read(ref _screening);

    /// <summary>Gets the governed tool calls, or <see langword="null"/> when the call made none.</summary>
    public ToolCallDecisions? ToolCalls => Volatile.Read(ref _toolCalls);

    // What the outermost stage keeps of the call itself.

    /// <summary>Gets or sets the call's <c>contracts_ai.request</c> span, when something listens.</summary>
    public Activity? Activity { get; set; }

    /// <summary>Gets or sets the contract id the request named, before any stage resolved it.</summary>
    public string? RequestedContractId { get; set; }

    public UsageDetails? Usage { get; set; }

    /// <summary>The final outcome: <c>ok</c>, <c>fallback</c>, <c>replayed</c>, <c>rejected</c>, <c>cancelled</c> or <c>error</c>.</summary>
    public string? Outcome { get; set; }

    /// <summary>Gets or sets when the call started, for the audit.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Gets or sets the <see cref="Stopwatch"/> timestamp the call started at, for its duration.</summary>
    public long StartTimestamp { get; set; }

    /// <summary>Gets or sets the app's span the call runs under when it has no span of its own, for the audit.</summary>
    public ActivityContext ParentContext { get; set; }

    /// <summary>Gets or sets a value indicating whether the inner pipeline completed (a stream to its end).</summary>
    public bool Completed { get; set; }

    /// <summary>Gets or sets the error the call ended with, if any.</summary>
    public Exception? Error { get; set; }

    /// <summary>Gets or sets the answer's text, kept only when sensitive data is captured.</summary>
    public string? Output { get; set; }

    // What the readers collect from the stages' records.

    /// <summary>Gets the contract the call ran under: the one the contract stage resolved, else the one the request named.</summary>
    public string? ContractId => Contract?.Id ?? RequestedContractId;

    public string? ContractVersion => Contract?.Version;

    /// <summary>Gets the label the version came from: the one the contract stage resolved, else the rollout's.</summary>
    public string? ContractLabel => Contract?.Label ?? Routing?.Label;

    public string? Variant => Routing?.Variant;

    // Each stage writes its own record, created on its first decision; only that stage calls its method.

    /// <summary>Gets the contract stage's record to write to.</summary>
    public ContractDecision ForContract() => Volatile.Read(ref _contract) ?? Create(ref _contract);

    /// <summary>Gets the routing stage's record to write to.</summary>
    public RoutingDecision ForRouting() => Volatile.Read(ref _routing) ?? Create(ref _routing);

    /// <summary>Gets the request idempotency stage's record to write to.</summary>
    public IdempotencyDecision ForIdempotency() => Volatile.Read(ref _idempotency) ?? Create(ref _idempotency);

    /// <summary>Gets the budgeting stage's record to write to.</summary>
    public BudgetDecision ForBudget() => Volatile.Read(ref _budget) ?? Create(ref _budget);

    /// <summary>Gets screening's record to write to.</summary>
    public ScreeningDecision ForScreening() => Volatile.Read(ref _screening) ?? Create(ref _screening);

    /// <summary>Gets tool governance's record to write to.</summary>
    public ToolCallDecisions ForToolCalls() => Volatile.Read(ref _toolCalls) ?? Create(ref _toolCalls);

    private static T Create<T>(ref T? field)
        where T : class, new() =>
        Interlocked.CompareExchange(ref field, new T(), null) ?? field!;
}
