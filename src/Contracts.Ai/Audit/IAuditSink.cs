namespace Contracts.Ai;

/// <summary>Receives the <see cref="DecisionRecord"/> of every governed call.</summary>
/// <remarks>
/// <see cref="Write"/> is called on the caller's thread as the call ends, from many threads at
/// once: it must be thread-safe and must not block (queue the record and write it elsewhere, as the
/// built-in sinks do). An exception from a sink never fails the governed call: it is logged and
/// counted in the <c>contracts_ai.audit.failures</c> metric. Register sinks with
/// <c>AddGovernedAi().AddAuditLog()</c>, <c>.AddAuditFile(path)</c> or <c>.AddAuditSink(sink)</c>.
/// </remarks>
public interface IAuditSink
{
    /// <summary>Accepts the record of one governed call.</summary>
    /// <param name="record">The record.</param>
    void Write(DecisionRecord record);
}
