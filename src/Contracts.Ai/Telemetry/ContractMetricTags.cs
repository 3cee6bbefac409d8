using System.Collections.Concurrent;
using System.Diagnostics;

namespace Contracts.Ai;

/// <summary>
/// Adds the per-contract tags (contract id, version, variant) to a metric measurement with bounded
/// cardinality: after a bound (<see cref="DefaultMaxCombinations"/> by default) distinct combinations, new ones are reported as
/// <see cref="Overflow"/>, so an app passing unbounded ids cannot flood the metrics backend.
/// </summary>
/// <remarks>
/// One instance per service provider (registered by <c>AddGovernedAi()</c>), else one per pipeline: the bound is never
/// shared with an unrelated pipeline of the process. Thread-safe. Allocates only the first time a combination is seen.
/// </remarks>
internal sealed class ContractMetricTags(int maxCombinations)
{
    public const int DefaultMaxCombinations = 1000;

    public const string Overflow = "_other";

    private readonly ConcurrentDictionary<(string Id, string? Version, string? Variant), bool> _seen = new();

    /// <summary>Adds the call's contract tags (contract, version, variant), bounded.</summary>
    public void AddTags(ref TagList tags, CallRecord record) =>
        AddTags(ref tags, record.ContractId, record.ContractVersion, record.Variant);

    public void AddTags(ref TagList tags, string? contractId, string? version, string? variant)
    {
        if (contractId is null)
        {
            return;
        }

        if (!IsAdmitted(contractId, version, variant))
        {
            tags.Add(TelemetryNames.Attributes.ContractId, Overflow);
            return;
        }

        tags.Add(TelemetryNames.Attributes.ContractId, contractId);
        if (version is not null)
        {
            tags.Add(TelemetryNames.Attributes.ContractVersion, version);
        }

        if (variant is not null)
        {
            tags.Add(TelemetryNames.Attributes.Variant, variant);
        }
    }

    private bool IsAdmitted(string contractId, string? version, string? variant)
    {
        var key = (contractId, version, variant);
        if (_seen.ContainsKey(key))
        {
            return true;
        }

        // Count locks the whole dictionary, but it runs only for a combination not seen before. The check and the add
        // race benignly: the bound may be exceeded by the number of concurrent first sightings.
        if (_seen.Count >= maxCombinations)
        {
            return false;
        }

        _seen.TryAdd(key, true);
        return true;
    }
}
