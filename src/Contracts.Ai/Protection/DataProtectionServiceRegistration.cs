using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the DataProtection stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class DataProtectionServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        _ = services;
    }
}
