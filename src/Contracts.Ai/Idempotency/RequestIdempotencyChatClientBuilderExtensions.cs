using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="RequestIdempotencyChatClient"/> stage to a chat pipeline.</summary>
public static class RequestIdempotencyChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="RequestIdempotencyChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ChatClientBuilder UseRequestIdempotency(this ChatClientBuilder builder, Action<IdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IdempotencyOptions? options = null;
        if (configure is not null)
        {
            options = new IdempotencyOptions();
            configure(options);
        }

        return builder.UseRequestIdempotency(options);
    }

    internal static ChatClientBuilder UseRequestIdempotency(this ChatClientBuilder builder, IdempotencyOptions? options) =>
        builder.Use((innerClient, services) => new RequestIdempotencyChatClient(
            innerClient,
            options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.Idempotency ?? new IdempotencyOptions()));
}
