using System;
using Contracts.Ai;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures rollouts (A/B, canary, shadow) for the governed pipeline.</summary>
public static class RolloutGovernedAiBuilderExtensions
{
    /// <summary>Adds or replaces the rollout of a contract.</summary>
    /// <param name="builder">The governed-AI builder.</param>
    /// <param name="contractId">The contract id.</param>
    /// <param name="configure">Configures the rollout: label, weighted versions, shadow, rollback.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <example><code>
    /// services.AddGovernedAi().AddRollout("support.reply", r =>
    /// {
    ///     r.Variants.Add(new RolloutVariant { Version = "3.1.0", Weight = 90 });
    ///     r.Variants.Add(new RolloutVariant { Version = "3.2.0", Weight = 10 });
    /// });
    /// </code></example>
    public static IGovernedAiBuilder AddRollout(this IGovernedAiBuilder builder, string contractId, Action<RolloutOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(contractId);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<GovernedAiOptions>(options =>
        {
            var rollout = new RolloutOptions();
            configure(rollout);
            options.Routing.Rollouts[contractId] = rollout;
        });
        return builder;
    }
}
