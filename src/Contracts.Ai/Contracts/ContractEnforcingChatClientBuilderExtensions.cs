using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="ContractEnforcingChatClient"/> stage to a chat pipeline.</summary>
public static class ContractEnforcingChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="ContractEnforcingChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ChatClientBuilder UseContracts(this ChatClientBuilder builder, Action<ContractOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ContractOptions? options = null;
        if (configure is not null)
        {
            options = new ContractOptions();
            configure(options);
        }

        return builder.UseContracts(options);
    }

    internal static ChatClientBuilder UseContracts(this ChatClientBuilder builder, ContractOptions? options) =>
        builder.Use((innerClient, services) => new ContractEnforcingChatClient(
            innerClient,
            options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.Contracts ?? new ContractOptions()));
}
