using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="RequestIdempotencyChatClient"/> stage to a chat pipeline.</summary>
public static class RequestIdempotencyChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="RequestIdempotencyChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// The stage keeps responses in the <see cref="IIdempotencyStore"/> of the service provider
    /// (<c>AddGovernedAi()</c> registers an <see cref="InMemoryIdempotencyStore"/>, <c>UseRedis()</c> a shared one),
    /// or in a private in-memory store when there is none.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The configured options are invalid.</exception>
    public static ChatClientBuilder UseRequestIdempotency(this ChatClientBuilder builder, Action<IdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IdempotencyOptions? options = null;
        if (configure is not null)
        {
            options = new IdempotencyOptions();
            configure(options);
            options.ThrowIfInvalid("GovernedAi:Idempotency");
        }

        return builder.UseRequestIdempotency(options);
    }

    internal static ChatClientBuilder UseRequestIdempotency(this ChatClientBuilder builder, IdempotencyOptions? options) =>
        builder.Use((innerClient, services) => new RequestIdempotencyChatClient(
            innerClient,
            options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.Idempotency ?? new IdempotencyOptions(),
            services.GetService<IIdempotencyStore>(),
            services.GetService<TimeProvider>(),
            services.GetService<ILoggerFactory>()?.CreateLogger(typeof(RequestIdempotencyChatClient))));
}
