using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Budgeting stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class BudgetingServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton(static sp => new TokenCounterRegistry(sp.GetServices<TokenCounterRegistration>()));
        // One cache for every governed pipeline of the service provider (budgeting and session memory).
        services.TryAddSingleton(static _ => new TokenCountCache());
    }
}
