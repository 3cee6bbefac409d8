using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Routing stage; called once by <c>AddGovernedAi()</c>.</summary>
internal static class RoutingServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<IRolloutStateStore, InMemoryRolloutStateStore>();
        services.TryAddSingleton(sp => new RolloutController(
            sp.GetRequiredService<IRolloutStateStore>(),
            sp.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Routing,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger<PromptRoutingChatClient>(),
            sp.GetRequiredService<PromptChangeLog>(),
            sp.GetService<IPromptRegistry>()));
        services.TryAddSingleton(sp => new RolloutManager(sp.GetRequiredService<RolloutController>(), sp.GetService<IPromptLabelStore>()));
    }
}
