using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the Contracts stage; called once by <c>AddGovernedAi()</c>.</summary>
/// <remarks>The registry is created from contracts added in code, then every <see cref="IPromptRegistrySeed"/> (prompt files), then labels set in code.</remarks>
internal static class ContractsServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton(CreateRegistry);
        services.TryAddSingleton<IPromptRegistry>(static sp => sp.GetRequiredService<InMemoryPromptRegistry>());
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

        return registry;
    }
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
