using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="DataProtectionChatClient"/> stage to a chat pipeline.</summary>
public static class DataProtectionChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="DataProtectionChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ChatClientBuilder UseDataProtection(this ChatClientBuilder builder, Action<DataProtectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        DataProtectionOptions? options = null;
        if (configure is not null)
        {
            options = new DataProtectionOptions();
            configure(options);
        }

        return builder.UseDataProtection(options);
    }

    internal static ChatClientBuilder UseDataProtection(this ChatClientBuilder builder, DataProtectionOptions? options) =>
        builder.Use((innerClient, services) => new DataProtectionChatClient(
            innerClient,
            options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.DataProtection ?? new DataProtectionOptions()));
}
