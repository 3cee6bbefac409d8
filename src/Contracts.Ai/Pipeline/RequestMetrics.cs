using System;
using System.Diagnostics;

namespace Contracts.Ai;

/// <summary>The <c>contracts_ai.request.duration</c> measurement of a governed call, tagged with its contract, version, variant and outcome.</summary>
internal static class RequestMetrics
{
    public static void Record(CallRecord record, ContractMetricTags contractTags, string outcome, TimeSpan elapsed)
    {
        if (!GovernedAiTelemetry.RequestDuration.Enabled)
        {
            return;
        }

        var tags = default(TagList);
        contractTags.AddTags(ref tags, record);
        tags.Add(TelemetryNames.Attributes.Outcome, outcome);
        GovernedAiTelemetry.RequestDuration.Record(elapsed.TotalSeconds, tags);
    }
}
