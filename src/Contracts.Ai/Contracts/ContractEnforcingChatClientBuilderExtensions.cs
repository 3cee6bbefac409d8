using System;
using System.Collections.Generic;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="ContractEnforcingChatClient"/> stage to a chat pipeline.</summary>
public static class ContractEnforcingChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="ContractEnforcingChatClient"/> stage to the pipeline, resolving contracts from the service provider's <see cref="IPromptRegistry"/>.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The configured options are invalid.</exception>
    /// <remarks>
    /// <para>Without an <see cref="IPromptRegistry"/> in the service provider the stage starts with an empty registry: requests that name a contract then fail. Register contracts with <c>AddGovernedAi().AddContract(...)</c>, or pass a registry.</para>
    /// <para>
    /// Without <c>UseToolGovernance()</c> below it, the stage signs the approval requests the tool loop returns and checks the
    /// approvals sent back (with <c>GovernedAi:Tools:ApprovalSigningKey</c> when configured, else the process's key), and records
    /// them in the call's audit record. A contract that requires approval needs the tool loop below this stage
    /// (<c>UseContracts().UseFunctionInvocation()</c>); otherwise its requests fail with <see cref="InvalidOperationException"/>.
    /// </para>
    /// </remarks>
    public static ChatClientBuilder UseContracts(this ChatClientBuilder builder, Action<ContractOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseContracts(Configure(configure));
    }

    /// <summary>Adds the <see cref="ContractEnforcingChatClient"/> stage to the pipeline, resolving contracts from <paramref name="registry"/>.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="registry">Where contracts are resolved.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="registry"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The configured options are invalid.</exception>
    public static ChatClientBuilder UseContracts(this ChatClientBuilder builder, IPromptRegistry registry, Action<ContractOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(registry);
        return builder.UseContracts(Configure(configure), registry);
    }

    internal static ChatClientBuilder UseContracts(this ChatClientBuilder builder, ContractOptions? options) =>
        builder.UseContracts(options, registry: null);

    private static ChatClientBuilder UseContracts(this ChatClientBuilder builder, ContractOptions? options, IPromptRegistry? registry) =>
        builder.Use((innerClient, services) =>
        {
            GovernedAiOptions? governed = services.GetService<IOptions<GovernedAiOptions>>()?.Value;
            return new ContractEnforcingChatClient(
                innerClient,
                registry ?? services.GetService<IPromptRegistry>() ?? new InMemoryPromptRegistry(),
                options ?? governed?.Contracts ?? new ContractOptions(),
                services.GetService<ILoggerFactory>(),
                services.GetService<TimeProvider>(),
                governed?.Tools?.ApprovalSigningKey);
        });

    private static ContractOptions? Configure(Action<ContractOptions>? configure)
    {
        if (configure is null)
        {
            return null;
        }

        var options = new ContractOptions();
        configure(options);
        var errors = new List<string>();
        options.Validate("Contracts", errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.Options.DefaultName, typeof(ContractOptions), errors);
        }

        return options;
    }
}
