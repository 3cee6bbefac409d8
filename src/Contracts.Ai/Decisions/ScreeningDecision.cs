using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// What screening (<see cref="DataProtectionChatClient"/> and the tool output screen it lends to tool governance)
/// decided in one observed call: how many PII values it redacted and how many injections it detected. Written only by
/// screening, read by the request's audit.
/// </summary>
/// <remarks>Thread-safe: parallel tool calls screen their outputs at once.</remarks>
internal sealed class ScreeningDecision
{
    private int _redactions;
    private int _detections;

    public int Redactions => Volatile.Read(ref _redactions);

    public int Detections => Volatile.Read(ref _detections);

    public void AddRedactions(int count) => Interlocked.Add(ref _redactions, count);

    public void AddDetection() => Interlocked.Increment(ref _detections);
}
