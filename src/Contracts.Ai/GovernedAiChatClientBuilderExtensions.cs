using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the whole governed pipeline to a chat pipeline.</summary>
public static class GovernedAiChatClientBuilderExtensions
{
    /// <summary>
    /// Adds every Contracts.Ai stage, outermost first: request idempotency, prompt routing, session memory,
    /// contract enforcement, data protection, tool governance and token budgeting, under one
    /// <c>contracts_ai.request</c> span.
    /// </summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The configured options are invalid.</exception>
    public static ChatClientBuilder UseGovernedAi(this ChatClientBuilder builder, Action<GovernedAiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        GovernedAiOptions? options = null;
        if (configure is not null)
        {
            options = new GovernedAiOptions();
            configure(options);
            var errors = options.Validate();
            if (errors.Count > 0)
            {
                throw new OptionsValidationException(Options.Options.DefaultName, typeof(GovernedAiOptions), errors);
            }
        }

        return builder.UseGovernedAi(options);
    }

    internal static ChatClientBuilder UseGovernedAi(this ChatClientBuilder builder, GovernedAiOptions? options) =>
        builder
            .Use((innerClient, services) => new GovernedRequestChatClient(innerClient, options, services))
            .UseRequestIdempotency(options?.Idempotency)
            .UsePromptRouting(options?.Routing)
            .UseSessionMemory(options)
            .UseContracts(options?.Contracts)
            .UseDataProtection(options?.DataProtection)
            .UseToolGovernance(options?.Tools)
            .UseTokenBudget(options?.TokenBudget);
}
