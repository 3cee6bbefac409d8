using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Idempotency stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class IdempotencyServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<IIdempotencyStore>(static sp => new InMemoryIdempotencyStore(
            sp.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Idempotency.InMemoryCapacity,
            sp.GetService<TimeProvider>()));

        // One coordinator serves every idempotent tool of the app, on the app's store, clock and logging.
        services.TryAddSingleton(static sp => new IdempotencyCoordinator(
            sp.GetRequiredService<IIdempotencyStore>(),
            sp.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Idempotency,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(IdempotencyCoordinator))));
    }
}
