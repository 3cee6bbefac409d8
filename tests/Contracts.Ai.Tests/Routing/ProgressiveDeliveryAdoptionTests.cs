using System.ClientModel;
using System.Net;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Routing;

/// <summary>
/// Progressive delivery on both adoption paths (<c>AddChatClient(x).UseFunctionInvocation(); AddGovernedAi()</c> and
/// <c>new ChatClientBuilder(x).UseGovernedAi()</c>), streaming and not, with no audit sink: the version's health comes
/// from the call's own state even when nothing observes the call.
/// </summary>
public class ProgressiveDeliveryAdoptionTests
{
    private const string Contract = "triage";

    public static TheoryData<string, ContractFailurePolicy, bool> Paths()
    {
        var data = new TheoryData<string, ContractFailurePolicy, bool>();
        foreach (string path in new[] { "AddGovernedAi over an app loop", "ChatClientBuilder.UseGovernedAi" })
        {
            foreach (ContractFailurePolicy policy in new[] { ContractFailurePolicy.Throw, ContractFailurePolicy.Reask, ContractFailurePolicy.Fallback })
            {
                data.Add(path, policy, false);
                data.Add(path, policy, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_broken_candidate_is_rolled_back_within_a_bounded_number_of_requests(string path, ContractFailurePolicy policy, bool streaming)
    {
        var model = new ProgressiveDeliveryTests.Model(seed: 1, (version, _) => version == "2.0.0" ? 1.0 : 0.02);
        await using var app = new Adopted(path, model, policy);
        int candidateCalls = 0;
        for (int i = 0; i < 300 && !app.Manager.IsRolledBack(Contract, "2.0.0"); i++)
        {
            candidateCalls += await app.AskAsync($"u{i}", streaming) == "2.0.0" ? 1 : 0;
        }

        Assert.True(app.Manager.IsRolledBack(Contract, "2.0.0"), $"not rolled back after {candidateCalls} candidate calls");
        Assert.InRange(candidateCalls, 20, 40);
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal("1.0.0", await app.AskAsync($"after{i}", streaming));
        }

        RolloutVersionHealth candidate = Assert.Single(app.Manager.GetHealth(Contract), h => h.Version == "2.0.0");
        Assert.Equal(candidate.Samples, candidate.FirstAnswerFailures);
    }

    [Theory]
    [InlineData("AddGovernedAi over an app loop", false)]
    [InlineData("AddGovernedAi over an app loop", true)]
    [InlineData("ChatClientBuilder.UseGovernedAi", false)]
    [InlineData("ChatClientBuilder.UseGovernedAi", true)]
    public async Task AA_traffic_with_provider_failures_never_rolls_back(string path, bool streaming)
    {
        var model = new ProgressiveDeliveryTests.Model(seed: 11, (_, _) => 0.08) { ProviderFailureRate = 1 / 3.0 };
        await using var app = new Adopted(path, model, ContractFailurePolicy.Fallback);

        for (int i = 0; i < 800; i++)
        {
            await app.AskAsync($"u{i}", streaming);
        }

        Assert.False(app.Manager.IsRolledBack(Contract, "2.0.0"));
        Assert.All(app.Manager.GetHealth(Contract), h => Assert.True(h.ProviderFailures > 80, $"{h.Version}: {h.ProviderFailures} provider failures"));
    }

    [Theory]
    [InlineData("AddGovernedAi over an app loop", false)]
    [InlineData("AddGovernedAi over an app loop", true)]
    [InlineData("ChatClientBuilder.UseGovernedAi", false)]
    [InlineData("ChatClientBuilder.UseGovernedAi", true)]
    public async Task A_broken_shadow_is_validated_counted_and_rolled_back(string path, bool streaming)
    {
        var model = new ProgressiveDeliveryTests.Model(seed: 4, (version, _) => version == "2.0.0" ? 1.0 : 0.0);
        await using var app = new Adopted(path, model, ContractFailurePolicy.Fallback, r =>
        {
            r.Variants.Add(new RolloutVariant { Version = "1.0.0", Weight = 100 });
            r.ShadowVersion = "2.0.0";
        });

        int requests = 0;
        for (; requests < 200 && !app.Manager.IsRolledBack(Contract, "2.0.0"); requests++)
        {
            // The user gets the primary's answer, never the shadow's broken one.
            ChatResponse response = await app.Chat.AskAsync("Printer on fire", new ChatOptions().WithContract(Contract).WithTenant("acme", $"u{requests}"), streaming);
            Assert.Equal(ProgressiveDeliveryTests.Good, response.Text);
            for (int wait = 0; wait < 400 && ShadowSamples(app) <= requests && !app.Manager.IsRolledBack(Contract, "2.0.0"); wait++)
            {
                await Task.Delay(5);
            }
        }

        Assert.True(app.Manager.IsRolledBack(Contract, "2.0.0"), $"not rolled back after {requests} requests");
        Assert.InRange(requests, 20, 40);
        RolloutVersionHealth shadow = Assert.Single(app.Manager.GetHealth(Contract), h => h.Version == "2.0.0");
        Assert.Equal((shadow.Samples, shadow.Samples), (shadow.ShadowSamples, shadow.FirstAnswerFailures));
        Assert.Equal(shadow.Samples, shadow.Fallbacks);

        // Rolled back, the shadow stops: no more calls reach its version.
        int shadowCalls = model.Served["2.0.0"];
        for (int i = 0; i < 10; i++)
        {
            await app.AskAsync($"after{i}", streaming);
        }

        await Task.Delay(100);
        Assert.Equal(shadowCalls, model.Served["2.0.0"]);
    }

    private static long ShadowSamples(Adopted app)
    {
        foreach (RolloutVersionHealth health in app.Manager.GetHealth(Contract))
        {
            if (health.Version == "2.0.0")
            {
                return health.Samples;
            }
        }

        return 0;
    }

    /// <summary>One app on one adoption path: contract 1.0.0 (baseline) and 2.0.0 (candidate), 50/50, no audit sink.</summary>
    private sealed class Adopted : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly ProgressiveDeliveryTests.Model _model;

        public Adopted(string path, ProgressiveDeliveryTests.Model model, ContractFailurePolicy policy, Action<RolloutOptions>? rollout = null)
        {
            _model = model;
            var services = new ServiceCollection();
            var scripted = new ScriptedChatClient(model.Respond);
            bool dependencyInjection = path.StartsWith("AddGovernedAi", StringComparison.Ordinal);
            if (dependencyInjection)
            {
                services.AddChatClient(scripted).UseFunctionInvocation();
            }

            services.AddGovernedAi()
                .AddContract(ProgressiveDeliveryTests.Triage("1.0.0", policy))
                .AddContract(ProgressiveDeliveryTests.Triage("2.0.0", policy))
                .SetContractLabel(Contract, "production", "1.0.0")
                .AddRollout(Contract, rollout ?? (r =>
                {
                    r.Variants.Add(new RolloutVariant { Version = "1.0.0", Weight = 50 });
                    r.Variants.Add(new RolloutVariant { Version = "2.0.0", Weight = 50 });
                }));
            _provider = services.BuildServiceProvider();
            Chat = dependencyInjection
                ? _provider.GetRequiredService<IChatClient>()
                : new ChatClientBuilder(scripted).UseGovernedAi().Build(_provider);
            Manager = _provider.GetRequiredService<RolloutManager>();
        }

        public IChatClient Chat { get; }

        public RolloutManager Manager { get; }

        public async Task<string?> AskAsync(string user, bool streaming)
        {
            try
            {
                await Chat.AskAsync("Printer on fire", new ChatOptions().WithContract(Contract).WithTenant("acme", user), streaming);
            }
            catch (Exception ex) when (ex is ContractViolationException or HttpRequestException or ClientResultException or TimeoutException)
            {
            }

            return _model.Served.Last;
        }

        public ValueTask DisposeAsync() => _provider.DisposeAsync();
    }
}
