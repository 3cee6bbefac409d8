using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Budgeting stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class BudgetingServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        _ = services;
    }
}
