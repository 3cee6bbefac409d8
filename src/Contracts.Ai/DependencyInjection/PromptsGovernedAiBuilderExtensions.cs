using System;
using System.Reflection;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Loads prompt files (one contract version per file) into the prompt registry.</summary>
public static class PromptsGovernedAiBuilderExtensions
{
    /// <summary>
    /// Loads every prompt file under <paramref name="path"/> into the prompt registry when it is created;
    /// with a host, that happens when the host starts.
    /// </summary>
    /// <param name="builder">The builder <c>AddGovernedAi()</c> returned.</param>
    /// <param name="path">The directory. A relative path is looked up under the host's content root, the app's base directory and the current directory, in that order.</param>
    /// <param name="configure">Configures the source: reload on change, file pattern, output type mapping.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// Invalid files fail the start with one <see cref="PromptFileException"/> listing every problem of every
    /// file (file, line, field); nothing is registered then. Contracts added with <c>AddContract</c> are
    /// registered first; labels the files declare are applied before labels set with <c>SetContractLabel</c>, so code wins.
    /// A <c>rollout</c> a file declares becomes the contract's entry in <see cref="PromptRoutingOptions.Rollouts"/>
    /// (with the default automatic rollback), unless <c>AddRollout</c> or configuration (<c>GovernedAi:Rollouts</c>)
    /// sets one for the same contract: those win. Rollouts are read at start; a reload does not change them.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or white space, or the options are invalid.</exception>
    public static IGovernedAiBuilder AddPromptsFromDirectory(this IGovernedAiBuilder builder, string path, Action<PromptFilesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        PromptFilesOptions options = Configure(configure, path);
        return AddSource(builder, new DirectoryPromptSource(path, options));
    }

    /// <summary>Loads every prompt file embedded in <paramref name="assembly"/> whose resource name starts with <paramref name="prefix"/> into the prompt registry when it is created.</summary>
    /// <param name="builder">The builder <c>AddGovernedAi()</c> returned.</param>
    /// <param name="assembly">The assembly that embeds the files (<c>&lt;EmbeddedResource Include="prompts/**/*.prompty" /&gt;</c>).</param>
    /// <param name="prefix">The resource name prefix, such as <c>MyApp.prompts.</c>; empty for every matching resource.</param>
    /// <param name="configure">Configures the source: resource name suffix, output type mapping. Reload on change does not apply.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>Invalid files, or no matching resource, fail the start with one <see cref="PromptFileException"/> listing every problem. Labels and rollouts apply as for <see cref="AddPromptsFromDirectory"/>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="assembly"/> or <paramref name="prefix"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IGovernedAiBuilder AddPromptsFromEmbeddedResources(this IGovernedAiBuilder builder, Assembly assembly, string prefix = "", Action<PromptFilesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(prefix);
        PromptFilesOptions options = Configure(configure, assembly.GetName().Name + ":" + prefix);
        return AddSource(builder, new EmbeddedPromptSource(assembly, prefix, options));
    }

    private static PromptFilesOptions Configure(Action<PromptFilesOptions>? configure, string source)
    {
        var options = new PromptFilesOptions();
        configure?.Invoke(options);
        options.Validate(source);
        return options;
    }

    private static IGovernedAiBuilder AddSource(IGovernedAiBuilder builder, PromptSource source)
    {
        IServiceCollection services = builder.Services;
        services.AddSingleton(new PromptSourceRegistration(source));
        if (services.Contains(LoaderDescriptor))
        {
            return builder;
        }

        services.Add(LoaderDescriptor);
        services.AddSingleton<IPromptRegistrySeed>(static sp => sp.GetRequiredService<PromptLoader>());
        services.AddSingleton<IPostConfigureOptions<GovernedAiOptions>>(static sp => new PromptRolloutsConfiguration(sp.GetRequiredService<PromptLoader>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PromptFilesStartupCheck>());
        return builder;
    }

    private static readonly ServiceDescriptor LoaderDescriptor = ServiceDescriptor.Singleton(static sp => new PromptLoader(sp));
}
