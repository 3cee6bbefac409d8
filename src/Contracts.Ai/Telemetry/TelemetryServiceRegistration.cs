using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Telemetry stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class TelemetryServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        // One bound on contract tag combinations for every governed pipeline of the service provider.
        services.TryAddSingleton(static _ => new ContractMetricTags(ContractMetricTags.DefaultMaxCombinations));
    }
}
