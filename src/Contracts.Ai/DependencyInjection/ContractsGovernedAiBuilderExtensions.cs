using System;
using Contracts.Ai;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds prompt contracts to the app's governed pipeline.</summary>
public static class ContractsGovernedAiBuilderExtensions
{
    /// <summary>
    /// Adds a contract version to the built-in <see cref="InMemoryPromptRegistry"/> (the app's
    /// <see cref="IPromptRegistry"/> unless it registers its own). The contract is checked and frozen
    /// now, and registered when the registry is first resolved.
    /// </summary>
    /// <param name="builder">The governed-AI builder from <c>AddGovernedAi()</c>.</param>
    /// <param name="contract">The contract version.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="contract"/> is <see langword="null"/>.</exception>
    /// <exception cref="ContractDefinitionException">The contract is not valid (version, inputs, a placeholder without an input or an input the template never uses, schema, fallback); the message and <see cref="ContractDefinitionException.Problems"/> list every problem.</exception>
    /// <remarks>Adding a different contract under an id and version already added fails when the registry is resolved, with <see cref="InvalidOperationException"/>.</remarks>
    public static IGovernedAiBuilder AddContract(this IGovernedAiBuilder builder, PromptContract contract)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(contract);
        _ = contract.GetPlan();
        builder.Services.AddSingleton(new ContractRegistration(contract));
        return builder;
    }

    /// <summary>Points a label (such as <c>production</c>) of the built-in registry at a version, once every added contract is registered.</summary>
    /// <param name="builder">The governed-AI builder from <c>AddGovernedAi()</c>.</param>
    /// <param name="contractId">The contract id.</param>
    /// <param name="label">The label.</param>
    /// <param name="version">A version added with <see cref="AddContract"/>.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An argument is null, empty or white space.</exception>
    /// <remarks>A label that names an unknown version, or the label <c>latest</c>, fails when the registry is resolved (see <see cref="IPromptRegistry.SetLabel"/>).</remarks>
    public static IGovernedAiBuilder SetContractLabel(this IGovernedAiBuilder builder, string contractId, string label, string version)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        builder.Services.AddSingleton(new ContractLabelRegistration(contractId, label, version));
        return builder;
    }
}
