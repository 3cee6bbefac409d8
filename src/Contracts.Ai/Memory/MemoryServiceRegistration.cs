using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Memory stage; called once by <c>AddGovernedAi()</c> (and again, harmlessly, by <c>AddSessionMemory()</c>).</summary>
internal static class MemoryServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<ISessionStore>(static sp => new InMemorySessionStore(
            sp.GetRequiredService<IOptions<GovernedAiOptions>>().Value.SessionMemory.InMemoryCapacity,
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton<ISessionMemory>(static sp => sp.GetRequiredService<ISessionStore>());
    }
}
