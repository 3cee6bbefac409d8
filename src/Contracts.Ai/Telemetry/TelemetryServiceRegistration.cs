using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Telemetry stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class TelemetryServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        _ = services;
    }
}
