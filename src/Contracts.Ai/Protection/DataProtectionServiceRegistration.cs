using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>Registers the shared services of the DataProtection stage; called once by <c>AddGovernedAi()</c>.</summary>
/// <remarks>
/// Apps replace a part by registering their own before or after <c>AddGovernedAi()</c> with
/// <c>services.AddSingleton&lt;IInjectionDetector&gt;(...)</c> (for example a
/// <see cref="CompositeInjectionDetector"/> over the built-in and an ONNX classifier) or an
/// <see cref="IPiiRecognizer"/>.
/// </remarks>
internal static class DataProtectionServiceRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<IPiiRecognizer>(static _ => new DefaultPiiRecognizer());
        services.TryAddSingleton<IInjectionDetector>(static sp => new HeuristicInjectionDetector(Options(sp).InjectionThresholds));
        services.TryAddSingleton(static sp => new PiiRedactor(sp.GetRequiredService<IPiiRecognizer>(), Options(sp), sp.GetService<IRedactorProvider>()));
        services.TryAddSingleton(static sp => new ContentScreen(
            sp.GetRequiredService<PiiRedactor>(),
            sp.GetRequiredService<IInjectionDetector>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<DataProtectionChatClient>()));
        services.TryAddSingleton<IToolOutputScreen>(static sp => sp.GetRequiredService<ContentScreen>());
    }

    private static DataProtectionOptions Options(System.IServiceProvider services) =>
        services.GetService<IOptions<GovernedAiOptions>>()?.Value.DataProtection ?? new DataProtectionOptions();
}
