using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.DependencyInjection;

public class UnknownConfigurationKeyTests
{
    private static IHost Host(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddChatClient(new ScriptedChatClient()).UseFunctionInvocation();
        builder.Services.AddGovernedAi();
        return builder.Build();
    }

    [Fact]
    public async Task Misspelt_keys_fail_the_start_naming_the_path_and_the_closest_setting()
    {
        using IHost host = Host(new()
        {
            ["GovernedAi:EnableSensitveData"] = "true",
            ["GovernedAi:TokenBudget:ReservedOutputTokns"] = "2000",
            ["GovernedAi:Tools:OnRejecton"] = "Throw",
            ["GovernedAi:Rollouts:support.reply:Variants:0:Wieght"] = "90",
            ["GovernedAi:TokenBudget:ModelContextWindows:my-deployment"] = "128000",
        });

        OptionsValidationException ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.Contains("'GovernedAi:EnableSensitveData'", StringComparison.Ordinal) && f.Contains("did you mean 'GovernedAi:EnableSensitiveData'?", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("'GovernedAi:TokenBudget:ReservedOutputTokns'", StringComparison.Ordinal) && f.Contains("'GovernedAi:TokenBudget:ReservedOutputTokens'", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("'GovernedAi:Tools:OnRejecton'", StringComparison.Ordinal) && f.Contains("'GovernedAi:Tools:OnRejection'", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("'GovernedAi:Rollouts:support.reply:Variants:0:Wieght'", StringComparison.Ordinal) && f.Contains("Weight", StringComparison.Ordinal));
        Assert.DoesNotContain(ex.Failures, f => f.Contains("my-deployment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_far_from_every_setting_lists_the_settings()
    {
        using IHost host = Host(new() { ["GovernedAi:Idempotency:Xyzzy"] = "1" });

        OptionsValidationException ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        string failure = Assert.Single(ex.Failures);
        Assert.Contains("'GovernedAi:Idempotency:Xyzzy' is not a setting of IdempotencyOptions", failure, StringComparison.Ordinal);
        Assert.Contains("LeaseDuration", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_keys_in_any_case_and_dictionary_keys_start()
    {
        using IHost host = Host(new()
        {
            ["GovernedAi:enableSensitiveData"] = "false",
            ["GovernedAi:TokenBudget:ModelContextWindows:my-deployment"] = "128000",
            ["GovernedAi:Tools:SafeToRetryTools:0"] = "get_order",
            ["GovernedAi:Idempotency:LeaseDuration"] = "00:02:00",
            ["Unrelated:Section"] = "ignored",
        });

        await host.StartAsync();

        GovernedAiOptions options = host.Services.GetRequiredService<IOptions<GovernedAiOptions>>().Value;
        Assert.Equal(128_000, options.TokenBudget.ModelContextWindows["my-deployment"]);
        await host.StopAsync();
    }
}
