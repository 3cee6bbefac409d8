using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Routing stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class RoutingServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        _ = services;
    }
}
