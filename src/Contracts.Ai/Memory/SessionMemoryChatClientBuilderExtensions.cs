using System;
using Contracts.Ai;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="SessionMemoryChatClient"/> stage to a chat pipeline.</summary>
public static class SessionMemoryChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="SessionMemoryChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi().AddSessionMemory()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// Place it outside any tool loop (before <c>UseFunctionInvocation()</c>), so one request is one turn. The stage keeps
    /// sessions in the <see cref="ISessionStore"/> of the service provider (<c>AddGovernedAi()</c> registers an
    /// <see cref="InMemorySessionStore"/>, <c>UseRedis()</c> a shared one), or in a private in-memory store when there is none.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The configured options are invalid.</exception>
    public static ChatClientBuilder UseSessionMemory(this ChatClientBuilder builder, Action<SessionMemoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        SessionMemoryOptions? options = null;
        if (configure is not null)
        {
            options = new SessionMemoryOptions();
            configure(options);
            options.ThrowIfInvalid("GovernedAi:SessionMemory");
        }

        return builder.Use((innerClient, services) =>
        {
            GovernedAiOptions? governed = services.GetService<IOptions<GovernedAiOptions>>()?.Value;
            return Create(innerClient, services, options ?? governed?.SessionMemory ?? new SessionMemoryOptions(), governed);
        });
    }

    /// <summary>The stage as <c>UseGovernedAi()</c> adds it, with the pipeline's options.</summary>
    internal static ChatClientBuilder UseSessionMemory(this ChatClientBuilder builder, GovernedAiOptions? options, TokenCountCache? pipelineCache) =>
        builder.Use((innerClient, services) =>
        {
            GovernedAiOptions? governed = options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value;
            return Create(innerClient, services, governed?.SessionMemory ?? new SessionMemoryOptions(), governed, pipelineCache);
        });

    private static SessionMemoryChatClient Create(
        IChatClient innerClient, IServiceProvider services, SessionMemoryOptions options, GovernedAiOptions? governed, TokenCountCache? pipelineCache = null)
    {
        PiiRedactor? redactor = services.GetService<PiiRedactor>();
        if (redactor is null && options.Enabled)
        {
            redactor = new PiiRedactor(
                services.GetService<IPiiRecognizer>() ?? new DefaultPiiRecognizer(),
                governed?.DataProtection,
                services.GetService<IRedactorProvider>());
        }

        return new SessionMemoryChatClient(
            innerClient,
            options,
            services.GetService<ISessionStore>(),
            services.GetService<TokenCounterRegistry>(),
            redactor,
            services.GetService<ILoggerFactory>()?.CreateLogger(typeof(SessionMemoryChatClient)),
            services.GetService<TokenCountCache>() ?? pipelineCache ?? new TokenCountCache(),
            governed?.TokenBudget?.DefaultEncoding);
    }
}
