using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Contracts.Ai;

/// <summary>The idempotency stage's own instruments, on the <see cref="GovernedAiTelemetry"/> meter.</summary>
internal static class IdempotencyTelemetry
{
    private static readonly Counter<long> StoreUnavailableCounter = GovernedAiTelemetry.Meter.CreateCounter<long>(
        TelemetryNames.Metrics.IdempotencyStoreUnavailable, "{call}", "Idempotent calls that found the idempotency store unavailable, by failure mode.");

    public static void StoreUnavailable(IdempotencyFailureMode mode)
    {
        if (StoreUnavailableCounter.Enabled)
        {
            var tags = new TagList { { TelemetryNames.Attributes.IdempotencyFailureMode, mode == IdempotencyFailureMode.FailOpen ? "fail_open" : "fail_closed" } };
            StoreUnavailableCounter.Add(1, tags);
        }
    }
}
