using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="TokenBudgetingChatClient"/> stage to a chat pipeline.</summary>
public static class TokenBudgetingChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="TokenBudgetingChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// Token counters registered with <c>AddGovernedAi().AddTokenCounter(...)</c> (the <see cref="TokenCounterRegistry"/> in the service provider) are used when present.
    /// Token counts are cached in the service provider's cache when <c>AddGovernedAi()</c> registered one, else in a cache of this stage's own.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The configured options are invalid; each error names the option.</exception>
    public static ChatClientBuilder UseTokenBudget(this ChatClientBuilder builder, Action<TokenBudgetOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        TokenBudgetOptions? options = null;
        if (configure is not null)
        {
            options = new TokenBudgetOptions();
            configure(options);
            var errors = new System.Collections.Generic.List<string>();
            options.Validate("TokenBudget", errors);
            if (errors.Count > 0)
            {
                throw new OptionsValidationException(Options.Options.DefaultName, typeof(TokenBudgetOptions), errors);
            }
        }

        return builder.UseTokenBudget(options);
    }

    /// <summary>Adds the stage; its token count cache is the service provider's, else <paramref name="pipelineCache"/>, else one of its own.</summary>
    internal static ChatClientBuilder UseTokenBudget(this ChatClientBuilder builder, TokenBudgetOptions? options, TokenCountCache? pipelineCache = null) =>
        builder.Use((innerClient, services) => new TokenBudgetingChatClient(
            innerClient,
            options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.TokenBudget ?? new TokenBudgetOptions(),
            services.GetService<TokenCounterRegistry>(),
            services.GetService<TokenCountCache>() ?? pipelineCache ?? new TokenCountCache(),
            services.GetService<ILoggerFactory>()));
}
