using System;
using System.Collections.Generic;
using Contracts.Ai;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adopts Contracts.Ai for a whole app with one call.</summary>
public static class GovernedAiServiceCollectionExtensions
{
    /// <summary>
    /// Registers the governed-AI services and wraps every <see cref="IChatClient"/> already
    /// registered (keyed registrations too, each keeping its lifetime) in the governed pipeline.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Configures the options, after configuration section <c>GovernedAi</c> is bound.</param>
    /// <returns>A builder to add contracts, stores and other governed-AI services.</returns>
    /// <remarks>
    /// Call it after the app registers its chat clients: a client registered later is not wrapped.
    /// Calling it again adds <paramref name="configure"/> but never wraps a client twice. When no
    /// <see cref="IChatClient"/> is registered, resolving one throws an error that says what to register.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IGovernedAiBuilder AddGovernedAi(this IServiceCollection services, Action<GovernedAiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        bool first = AddCore(services, configure);
        if (first)
        {
            WrapRegisteredChatClients(services);
        }

        return new GovernedAiBuilder(services);
    }

    /// <summary>Registers the governed-AI services and a governed <see cref="IChatClient"/> (singleton) over the client <paramref name="innerClient"/> creates.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="innerClient">Creates the provider's client (or the app's own pipeline) the governed pipeline wraps.</param>
    /// <param name="configure">Configures the options, after configuration section <c>GovernedAi</c> is bound.</param>
    /// <returns>A builder to add contracts, stores and other governed-AI services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public static IGovernedAiBuilder AddGovernedAi(this IServiceCollection services, Func<IServiceProvider, IChatClient> innerClient, Action<GovernedAiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(innerClient);
        AddCore(services, configure);
        RemoveMissingClientPlaceholder(services);
        services.AddSingleton<IChatClient>(sp => new ChatClientBuilder(innerClient(sp)).UseGovernedAi((GovernedAiOptions?)null).Build(sp));
        Registrations(services).Add(null, isKeyed: false);
        return new GovernedAiBuilder(services);
    }

    /// <summary>The registrations the start-time check builds, kept as the instance of their singleton descriptor.</summary>
    private static GovernedClientRegistrations Registrations(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(GovernedClientRegistrations) && !descriptor.IsKeyedService &&
                descriptor.ImplementationInstance is GovernedClientRegistrations registrations)
            {
                return registrations;
            }
        }

        return new GovernedClientRegistrations();
    }

    private static bool AddCore(IServiceCollection services, Action<GovernedAiOptions>? configure)
    {
        bool first = !services.Contains(GovernedAiMarker.Descriptor);
        if (first)
        {
            services.Add(GovernedAiMarker.Descriptor);
            services.AddSingleton(Registrations(services));
            services.AddHostedService<GovernedClientsStartupCheck>();
            services.AddOptions<GovernedAiOptions>().ValidateOnStart();
            services.AddSingleton<IConfigureOptions<GovernedAiOptions>>(sp => new BindGovernedAiSection(sp.GetService<IConfiguration>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GovernedAiOptions>, GovernedAiOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            TelemetryServiceRegistration.Add(services);
            BudgetingServiceRegistration.Add(services);
            ContractsServiceRegistration.Add(services);
            ToolsServiceRegistration.Add(services);
            IdempotencyServiceRegistration.Add(services);
            DataProtectionServiceRegistration.Add(services);
            RoutingServiceRegistration.Add(services);
            MemoryServiceRegistration.Add(services);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return first;
    }

    private static void WrapRegisteredChatClients(IServiceCollection services)
    {
        bool any = false;
        for (int i = 0; i < services.Count; i++)
        {
            ServiceDescriptor descriptor = services[i];
            if (descriptor.ServiceType != typeof(IChatClient))
            {
                continue;
            }

            any = true;
            Registrations(services).Add(descriptor.ServiceKey, descriptor.IsKeyedService);
            services[i] = descriptor.IsKeyedService
                ? new ServiceDescriptor(typeof(IChatClient), descriptor.ServiceKey, (sp, key) => Govern(CreateKeyed(sp, key, descriptor), sp), descriptor.Lifetime)
                : new ServiceDescriptor(typeof(IChatClient), sp => Govern(Create(sp, descriptor), sp), descriptor.Lifetime);
        }

        if (!any)
        {
            services.Add(MissingClientPlaceholder);
        }
    }

    private static readonly ServiceDescriptor MissingClientPlaceholder = ServiceDescriptor.Singleton<IChatClient>(static _ =>
        throw new InvalidOperationException(
            "AddGovernedAi() found no IChatClient to govern. Register your provider's client before calling AddGovernedAi() " +
            "(for example services.AddChatClient(new OpenAIClient(key).GetChatClient(\"gpt-4o-mini\").AsIChatClient())), " +
            "or pass it: services.AddGovernedAi(sp => innerClient)."));

    private static void RemoveMissingClientPlaceholder(IServiceCollection services) => services.Remove(MissingClientPlaceholder);

    private static IChatClient Govern(IChatClient inner, IServiceProvider services) =>
        new ChatClientBuilder(inner).UseGovernedAi((GovernedAiOptions?)null).Build(services);

    private static IChatClient Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        (IChatClient)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    private static IChatClient CreateKeyed(IServiceProvider services, object? key, ServiceDescriptor descriptor) =>
        (IChatClient)(descriptor.KeyedImplementationInstance
            ?? descriptor.KeyedImplementationFactory?.Invoke(services, key)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.KeyedImplementationType!));

    private sealed class GovernedAiMarker
    {
        public static readonly ServiceDescriptor Descriptor = ServiceDescriptor.Singleton(new GovernedAiMarker());
    }

    private sealed class BindGovernedAiSection(IConfiguration? configuration) : IConfigureOptions<GovernedAiOptions>
    {
        public void Configure(GovernedAiOptions options)
        {
            if (configuration is not null)
            {
                options.ConfigurationErrors = GovernedAiConfigurationKeys.Bind(configuration.GetSection(GovernedAiOptions.SectionName), options);
            }
        }
    }
}
