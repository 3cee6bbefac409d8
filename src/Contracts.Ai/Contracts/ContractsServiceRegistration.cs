using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Contracts stage; called once by <c>AddGovernedAi()</c>.</summary>
/// <remarks>
/// The registry is created from contracts added in code, then every <see cref="IPromptRegistrySeed"/> (prompt files), then labels
/// set in code; from then on its labels are shared through the <see cref="IPromptLabelStore"/>.
/// </remarks>
internal static class ContractsServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton(CreateRegistry);
        services.TryAddSingleton<IPromptRegistry>(static sp => sp.GetRequiredService<InMemoryPromptRegistry>());
        services.TryAddSingleton<IPromptLabelStore, InMemoryPromptLabelStore>();
        services.TryAddSingleton(static sp => new PromptLabelSharing(
            sp.GetRequiredService<IPromptLabelStore>(),
            sp.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Routing.StateRefreshInterval,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Contracts.Ai.PromptLabels")));
        services.TryAddSingleton(static sp => new PromptChangeLog(
            sp.GetServices<IAuditSink>(),
            sp.GetRequiredService<IPromptLabelStore>(),
            sp.GetService<IPromptChangeAuthorizer>(),
            sp.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Routing.InstanceId,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Contracts.Ai.PromptChanges")));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PromptLabelsStartup>());
    }

    private static InMemoryPromptRegistry CreateRegistry(IServiceProvider services)
    {
        var registry = new InMemoryPromptRegistry();
        foreach (ContractRegistration registration in services.GetServices<ContractRegistration>())
        {
            registry.Register(registration.Contract);
        }

        foreach (IPromptRegistrySeed seed in services.GetServices<IPromptRegistrySeed>())
        {
            seed.Seed(registry);
        }

        foreach (ContractLabelRegistration label in services.GetServices<ContractLabelRegistration>())
        {
            registry.SetLabel(label.ContractId, label.Label, label.Version);
        }

        services.GetRequiredService<PromptLabelSharing>().Attach(registry);

        // From here on, label moves are changes: authorized, audited and kept in the fleet's history.
        registry.ChangeLog = services.GetRequiredService<PromptChangeLog>();
        return registry;
    }
}

/// <summary>
/// Creates the registry when the host starts and gives the first read of shared label positions up to one
/// refresh interval, so a new instance usually serves the fleet's labels from its first call. Never fails the start.
/// </summary>
internal sealed class PromptLabelsStartup(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IPromptRegistry>() is not InMemoryPromptRegistry)
        {
            return;
        }

        PromptLabelSharing sharing = services.GetRequiredService<PromptLabelSharing>();
        try
        {
            await sharing.FirstRefresh.WaitAsync(sharing.Interval, services.GetService<TimeProvider>() ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The refresh goes on in the background and logs if the store fails.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Adds contract versions and labels to the built-in registry when it is created: after contracts added
/// with <c>AddContract</c>, before labels set with <c>SetContractLabel</c> (so labels set in code win).
/// </summary>
internal interface IPromptRegistrySeed
{
    void Seed(InMemoryPromptRegistry registry);
}

/// <summary>A contract added with <c>AddContract</c>, registered when the registry is created.</summary>
internal sealed record ContractRegistration(PromptContract Contract);

/// <summary>A label set with <c>SetContractLabel</c>, applied after every contract is registered.</summary>
internal sealed record ContractLabelRegistration(string ContractId, string Label, string Version);
