using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Idempotency stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class IdempotencyServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        _ = services;
    }
}
