using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="PromptRoutingChatClient"/> stage to a chat pipeline.</summary>
public static class PromptRoutingChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="PromptRoutingChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The configured options are invalid; the message names each problem.</exception>
    public static ChatClientBuilder UsePromptRouting(this ChatClientBuilder builder, Action<PromptRoutingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PromptRoutingOptions? options = null;
        if (configure is not null)
        {
            options = new PromptRoutingOptions();
            configure(options);
            StageOptionsValidation.ThrowIfInvalid(options, "GovernedAi:Routing", static (o, at, errors) => o.Validate(at, errors));
        }

        return builder.UsePromptRouting(options);
    }

    internal static ChatClientBuilder UsePromptRouting(this ChatClientBuilder builder, PromptRoutingOptions? options) =>
        builder.Use((innerClient, services) =>
        {
            PromptRoutingOptions resolved = options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.Routing ?? new PromptRoutingOptions();
            RolloutController? controller = options is null ? services.GetService<RolloutController>() : null;
            return new PromptRoutingChatClient(
                innerClient,
                resolved,
                services.GetService<IPromptRegistry>(),
                controller,
                services.GetService<ILoggerFactory>()?.CreateLogger<PromptRoutingChatClient>());
        });
}
