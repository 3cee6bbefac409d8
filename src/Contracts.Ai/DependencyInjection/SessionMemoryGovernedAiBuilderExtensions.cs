using System;
using Contracts.Ai;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures session memory for the governed pipeline.</summary>
public static class SessionMemoryGovernedAiBuilderExtensions
{
    /// <summary>
    /// Remembers conversations: a request with <c>ChatOptions.WithSession(id)</c> (and <c>WithTenant(tenant, user)</c>) sends only
    /// its new turn and gets the session's earlier turns, within <see cref="SessionMemoryOptions.MaxTokens"/>.
    /// </summary>
    /// <param name="builder">The builder <c>AddGovernedAi()</c> returned.</param>
    /// <param name="configure">Configures the options, after configuration section <c>GovernedAi:SessionMemory</c> is bound.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// Session memory is on by default (a request that names a session is remembered); this call configures it and turns it
    /// back on when configuration turned it off. Sessions live in the registered <see cref="ISessionStore"/>: in memory by default, in Redis after <c>UseRedis(...)</c>.
    /// Resolve <see cref="ISessionMemory"/> to read or erase them. The options are validated when the app starts.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IGovernedAiBuilder AddSessionMemory(this IGovernedAiBuilder builder, Action<SessionMemoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<GovernedAiOptions>(options =>
        {
            options.SessionMemory.Enabled = true;
            configure?.Invoke(options.SessionMemory);
        });
        MemoryServiceRegistration.Add(builder.Services);
        return builder;
    }
}
