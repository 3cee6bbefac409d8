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
    /// <remarks>
    /// Call it before <c>UseFunctionInvocation()</c> so the tool loop invokes the governed tools. The idempotency store
    /// (<see cref="IIdempotencyStore"/>) and the data-protection screening of tool outputs come from the service
    /// provider when registered; without a store, idempotent tools use one in-process store.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The configured options are invalid; the message names each problem.</exception>
    public static ChatClientBuilder UseToolGovernance(this ChatClientBuilder builder, Action<ToolGovernanceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ToolGovernanceOptions? options = null;
        if (configure is not null)
        {
            options = new ToolGovernanceOptions();
            configure(options);
            StageOptionsValidation.ThrowIfInvalid(options, "GovernedAi:Tools", static (o, at, errors) => o.Validate(at, errors));
        }

        return builder.UseToolGovernance(options);
    }

    internal static ChatClientBuilder UseToolGovernance(this ChatClientBuilder builder, ToolGovernanceOptions? options) =>
        builder.Use((innerClient, services) =>
        {
            GovernedAiOptions? governed = services.GetService<IOptions<GovernedAiOptions>>()?.Value;
            IdempotencyCoordinator? coordinator = services.GetService<IdempotencyCoordinator>();
            if (coordinator is null)
            {
                // The app's store when it registered one, else one bounded in-memory store for this pipeline.
                coordinator = new IdempotencyCoordinator(
                    services.GetService<IIdempotencyStore>() ?? new InMemoryIdempotencyStore(),
                    governed?.Idempotency ?? new IdempotencyOptions(),
                    services.GetService<TimeProvider>() ?? TimeProvider.System);
            }
            return new ToolGovernanceChatClient(
                innerClient,
                options ?? governed?.Tools ?? new ToolGovernanceOptions(),
                coordinator,
                services.GetService<IToolOutputScreen>());
        });
}
