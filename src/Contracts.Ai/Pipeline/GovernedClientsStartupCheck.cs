using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Ai;

/// <summary>
/// Builds every chat client <c>AddGovernedAi()</c> governs when the host starts, so a registration the pipeline cannot
/// govern per model call (an app's <c>UseFunctionInvocation()</c> loop holding <c>AdditionalTools</c>) stops the app
/// at start with the message that says what to change, instead of failing its first request.
/// </summary>
/// <remarks>
/// Runs only under a host (<c>IHost.StartAsync</c>); a service provider built without one still reports the problem
/// when the client is first resolved. Scoped registrations are built in a scope of their own, disposed at once.
/// </remarks>
internal sealed class GovernedClientsStartupCheck(IServiceProvider services, GovernedClientRegistrations registrations) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        using IServiceScope scope = services.CreateScope();
        foreach (GovernedClientRegistration registration in registrations.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _ = registration.IsKeyed
                ? scope.ServiceProvider.GetRequiredKeyedService<IChatClient>(registration.Key)
                : scope.ServiceProvider.GetRequiredService<IChatClient>();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The chat client registrations <c>AddGovernedAi()</c> governs, for <see cref="GovernedClientsStartupCheck"/>.</summary>
internal sealed class GovernedClientRegistrations
{
    private readonly List<GovernedClientRegistration> _all = [];

    public IReadOnlyList<GovernedClientRegistration> All => _all;

    public void Add(object? key, bool isKeyed)
    {
        foreach (GovernedClientRegistration known in _all)
        {
            if (known.IsKeyed == isKeyed && Equals(known.Key, key))
            {
                return;
            }
        }

        _all.Add(new GovernedClientRegistration(key, isKeyed));
    }
}

/// <summary>One governed chat client registration: the default one, or a keyed one.</summary>
/// <param name="Key">The service key of a keyed registration.</param>
/// <param name="IsKeyed">Whether the registration is keyed.</param>
internal readonly record struct GovernedClientRegistration(object? Key, bool IsKeyed);
