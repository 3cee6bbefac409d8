using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="ToolGovernanceChatClient"/> stage to a chat pipeline.</summary>
public static class ToolGovernanceChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="ToolGovernanceChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ChatClientBuilder UseToolGovernance(this ChatClientBuilder builder, Action<ToolGovernanceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ToolGovernanceOptions? options = null;
        if (configure is not null)
        {
            options = new ToolGovernanceOptions();
            configure(options);
        }

        return builder.UseToolGovernance(options);
    }

    internal static ChatClientBuilder UseToolGovernance(this ChatClientBuilder builder, ToolGovernanceOptions? options) =>
        builder.Use((innerClient, services) => new ToolGovernanceChatClient(
            innerClient,
            options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.Tools ?? new ToolGovernanceOptions()));
}
