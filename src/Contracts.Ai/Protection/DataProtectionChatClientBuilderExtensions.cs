using System;
using Contracts.Ai;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the <see cref="DataProtectionChatClient"/> stage to a chat pipeline.</summary>
public static class DataProtectionChatClientBuilderExtensions
{
    /// <summary>Adds the <see cref="DataProtectionChatClient"/> stage to the pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the stage's options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// The recognizer (<see cref="IPiiRecognizer"/>), detector (<see cref="IInjectionDetector"/>), the app's
    /// <c>IRedactorProvider</c> and logger come from the service provider when registered; otherwise the
    /// built-in ones are used.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The configured options are invalid; the message names each problem.</exception>
    public static ChatClientBuilder UseDataProtection(this ChatClientBuilder builder, Action<DataProtectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        DataProtectionOptions? options = null;
        if (configure is not null)
        {
            options = new DataProtectionOptions();
            configure(options);
            StageOptionsValidation.ThrowIfInvalid(options, "GovernedAi:DataProtection", static (o, at, errors) => o.Validate(at, errors));
        }

        return builder.UseDataProtection(options);
    }

    internal static ChatClientBuilder UseDataProtection(this ChatClientBuilder builder, DataProtectionOptions? options) =>
        builder.Use((innerClient, services) =>
        {
            if (options is null && services.GetService<ContentScreen>() is { } shared)
            {
                return new DataProtectionChatClient(innerClient, shared);
            }

            DataProtectionOptions resolved = options ?? services.GetService<IOptions<GovernedAiOptions>>()?.Value.DataProtection ?? new DataProtectionOptions();
            return new DataProtectionChatClient(
                innerClient,
                resolved,
                services.GetService<IPiiRecognizer>(),
                options is null ? services.GetService<IInjectionDetector>() : null,
                services.GetService<IRedactorProvider>(),
                services.GetService<ILoggerFactory>()?.CreateLogger<DataProtectionChatClient>());
        });
}
