using System;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

/// <summary>Registers token counters for models whose tokenizer is not one of tiktoken's.</summary>
public static class GovernedAiBuilderTokenCounterExtensions
{
    /// <summary>Registers the <see cref="ITokenCounter"/> token budgeting uses for a model.</summary>
    /// <param name="builder">The builder <c>AddGovernedAi()</c> returned.</param>
    /// <param name="modelId">The model id as the chat client reports it, or a prefix ending in <c>*</c>; see <see cref="TokenCounterRegistry.Register"/>.</param>
    /// <param name="counter">The counter; it must be thread-safe.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="modelId"/> or <paramref name="counter"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is empty or white space.</exception>
    public static IGovernedAiBuilder AddTokenCounter(this IGovernedAiBuilder builder, string modelId, ITokenCounter counter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(counter);
        builder.Services.AddSingleton(new TokenCounterRegistration(modelId, counter));
        return builder;
    }
}
