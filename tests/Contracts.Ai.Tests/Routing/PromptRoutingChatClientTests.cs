using System.Collections.Concurrent;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.Routing;

public class PromptRoutingChatClientTests
{
    private const string Contract = "support.reply";

    [Fact]
    public async Task Weights_are_honoured_within_statistical_tolerance_over_10000_subjects()
    {
        var seen = new ConcurrentDictionary<string, int>();
        using IChatClient client = Pipeline(Canary(90, 10), RecordVersion(seen));

        for (int i = 0; i < 10_000; i++)
        {
            await client.GetResponseAsync("hi", Request(user: $"user-{i}"));
        }

        // 10 % of 10,000 has a standard deviation of 30; 4 sigma is 120.
        Assert.InRange(seen["3.2.0"], 1_000 - 120, 1_000 + 120);
        Assert.Equal(10_000, seen["3.1.0"] + seen["3.2.0"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_user_sees_one_version_throughout(bool streaming)
    {
        var seen = new ConcurrentDictionary<string, int>();
        using IChatClient client = Pipeline(Canary(50, 50), RecordVersion(seen));

        for (int i = 0; i < 50; i++)
        {
            await client.AskAsync("hi", Request(user: "ada"), streaming);
        }

        Assert.Equal(50, Assert.Single(seen).Value);
    }

    [Fact]
    public async Task Two_instances_assign_every_subject_the_same_version()
    {
        var first = new ConcurrentDictionary<string, string>();
        var second = new ConcurrentDictionary<string, string>();
        using IChatClient a = Pipeline(Canary(70, 30), RecordVersionPerUser(first));
        using IChatClient b = Pipeline(Canary(70, 30), RecordVersionPerUser(second));

        for (int i = 0; i < 500; i++)
        {
            await a.GetResponseAsync("hi", Request(user: $"u{i}"));
            await b.GetResponseAsync("hi", Request(user: $"u{i}"));
        }

        Assert.Equal(first.OrderBy(p => p.Key), second.OrderBy(p => p.Key));
        Assert.Contains("3.2.0", first.Values);
    }

    [Fact]
    public async Task A_pinned_version_is_not_routed_and_the_callers_options_are_untouched()
    {
        var seen = new ConcurrentDictionary<string, int>();
        using IChatClient client = Pipeline(Canary(0, 100), RecordVersion(seen));
        ChatOptions pinned = new ChatOptions().WithContract(Contract, "3.1.0", inputs: null).WithTenant("acme", "ada");
        ChatOptions routed = Request(user: "ada");

        await client.GetResponseAsync("hi", pinned);
        await client.GetResponseAsync("hi", routed);

        Assert.Equal(1, seen["3.1.0"]);
        Assert.Equal(1, seen["3.2.0"]);
        Assert.Null(routed.GetGovernanceContext()!.ContractVersion);
    }

    [Fact]
    public async Task A_variant_can_move_the_call_to_another_model()
    {
        var models = new ConcurrentBag<string?>();
        var inner = new CallbackChatClient
        {
            OnGetResponse = (_, options, _) =>
            {
                models.Add(options?.ModelId);
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
            },
        };
        RolloutOptions rollout = Canary(0, 100);
        rollout.Variants[1].ModelId = "gpt-4.1-mini";
        using IChatClient client = Pipeline(rollout, inner);

        await client.GetResponseAsync("hi", Request(user: "ada"));

        Assert.Equal("gpt-4.1-mini", Assert.Single(models));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Shadow_gets_a_copy_but_its_answer_is_never_returned(bool streaming)
    {
        var requests = new ConcurrentQueue<(string? Version, object? CallState)>();
        var shadowDone = new TaskCompletionSource();
        var inner = new ScriptedChatClient(request =>
        {
            string? version = GovernedCall.ContextOf(request.Options)?.ContractVersion;
            requests.Enqueue((version, GovernedCall.Current));
            if (version == "4.0.0")
            {
                shadowDone.TrySetResult();
                return ScriptedTurn.Reply("SHADOW ANSWER");
            }

            return ScriptedTurn.Reply("primary answer");
        });
        RolloutOptions rollout = Canary(100, 0);
        rollout.ShadowVersion = "4.0.0";
        using IChatClient client = Pipeline(rollout, inner);

        ChatResponse response = await client.AskAsync("hi", Request(user: "ada"), streaming);
        await shadowDone.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("primary answer", response.Text);
        object? primaryState = Assert.Single(requests, r => r.Version == "3.1.0").CallState;
        object? shadowState = Assert.Single(requests, r => r.Version == "4.0.0").CallState;
        Assert.NotSame(primaryState, shadowState);
    }

    [Fact]
    public async Task Shadow_never_runs_a_tool()
    {
        int refunds = 0;
        AIFunction refund = AIFunctionFactory.Create((string orderId) => { Interlocked.Increment(ref refunds); return "refunded"; }, "refund_order");
        var shadowDone = new TaskCompletionSource();
        var model = new ScriptedChatClient(request =>
        {
            bool isShadow = GovernedCall.ContextOf(request.Options)?.ContractVersion == "4.0.0";
            if (request.Messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any()))
            {
                return ScriptedTurn.Reply("done");
            }

            if (isShadow)
            {
                Assert.All(request.Options!.Tools!, t => Assert.IsNotType<AIFunction>(t, exactMatch: false));
                shadowDone.TrySetResult();
            }

            return ScriptedTurn.CallTool("refund_order", new Dictionary<string, object?> { ["orderId"] = "1042" });
        });
        RolloutOptions rollout = Canary(100, 0);
        rollout.ShadowVersion = "4.0.0";
        using IChatClient client = new ChatClientBuilder(model)
            .UsePromptRouting(o => o.Rollouts[Contract] = rollout)
            .UseFunctionInvocation()
            .Build();
        ChatOptions options = Request(user: "ada");
        options.Tools = [refund];

        ChatResponse response = await client.GetResponseAsync("refund 1042", options);
        await shadowDone.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(50);

        Assert.Equal("done", response.Text);
        Assert.Equal(1, refunds);
    }

    [Fact]
    public async Task Shadow_failures_never_affect_the_primary()
    {
        var shadowTried = new TaskCompletionSource();
        var inner = new ScriptedChatClient(request =>
        {
            if (GovernedCall.ContextOf(request.Options)?.ContractVersion == "4.0.0")
            {
                shadowTried.TrySetResult();
                return ScriptedTurn.Fail(new HttpRequestException("shadow model down"));
            }

            return ScriptedTurn.Reply("primary answer");
        });
        RolloutOptions rollout = Canary(100, 0);
        rollout.ShadowVersion = "4.0.0";
        using IChatClient client = Pipeline(rollout, inner);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("primary answer", (await client.GetResponseAsync("hi", Request(user: $"u{i}"))).Text);
        }

        await shadowTried.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_bad_candidate_is_rolled_back_and_its_users_return_to_the_baseline()
    {
        var store = new InMemoryRolloutStateStore();
        var seen = new ConcurrentDictionary<string, int>();
        var inner = new CallbackChatClient
        {
            OnGetResponse = (_, options, _) =>
            {
                string version = options.GetGovernanceContext()!.ContractVersion!;
                seen.AddOrUpdate(version, 1, (_, n) => n + 1);
                return version == "3.2.0"
                    ? throw new ContractViolationException(Contract, version, ["$.priority: expected one of low, high"])
                    : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
            },
        };
        RolloutOptions rollout = Canary(50, 50);
        rollout.AutoRollback.MinimumSamples = 10;
        using IChatClient client = Pipeline(rollout, inner, store);

        int failures = 0;
        for (int i = 0; i < 200; i++)
        {
            try
            {
                await client.GetResponseAsync("hi", Request(user: $"u{i}"));
            }
            catch (ContractViolationException)
            {
                failures++;
            }
        }

        // At least MinimumSamples candidate calls, and no more than it takes the baseline (half the traffic) to reach MinimumSamples too.
        Assert.InRange(failures, 10, 20);
        Assert.Equal(failures, seen["3.2.0"]);
        IReadOnlyDictionary<string, string> rolledBack = await store.GetRolledBackAsync(Contract, "production");
        Assert.Contains($"failure rate 100.0 % ({failures} of {failures})", Assert.Single(rolledBack, p => p.Key == "3.2.0").Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_good_candidate_is_not_rolled_back()
    {
        var store = new InMemoryRolloutStateStore();
        var seen = new ConcurrentDictionary<string, int>();
        int calls = 0;
        var inner = new CallbackChatClient
        {
            OnGetResponse = (_, options, _) =>
            {
                string version = options.GetGovernanceContext()!.ContractVersion!;
                seen.AddOrUpdate(version, 1, (_, n) => n + 1);

                // One failure in twenty: well under the 25 % threshold.
                return Interlocked.Increment(ref calls) % 20 == 0
                    ? throw new HttpRequestException("transient")
                    : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
            },
        };
        using IChatClient client = Pipeline(Canary(50, 50), inner, store);

        for (int i = 0; i < 400; i++)
        {
            try
            {
                await client.GetResponseAsync("hi", Request(user: $"u{i}"));
            }
            catch (HttpRequestException)
            {
            }
        }

        Assert.Empty(await store.GetRolledBackAsync(Contract, "production"));
        Assert.InRange(seen["3.2.0"], 120, 280);
    }

    [Fact]
    public async Task A_rollback_stored_by_another_instance_applies_after_the_refresh()
    {
        var store = new InMemoryRolloutStateStore();
        var seen = new ConcurrentDictionary<string, int>();
        using IChatClient client = Pipeline(Canary(0, 100), RecordVersion(seen), store);

        await client.GetResponseAsync("hi", Request(user: "ada"));
        await store.MarkRolledBackAsync(Contract, "production", "3.2.0", "rolled back elsewhere");
        await Task.Delay(TimeSpan.FromMilliseconds(150));
        await client.GetResponseAsync("hi", Request(user: "ada"));
        await Task.Delay(TimeSpan.FromMilliseconds(50));
        await client.GetResponseAsync("hi", Request(user: "ada"));

        Assert.Equal(1, seen["3.2.0"]);
        Assert.True(seen["3.1.0"] >= 1);
    }

    [Fact]
    public async Task A_manual_label_move_in_the_registry_wins_over_the_rollout()
    {
        var registry = new LabelRegistry("3.1.0");
        var seen = new ConcurrentDictionary<string, int>();
        var options = new PromptRoutingOptions();
        options.Rollouts[Contract] = Canary(0, 100);
        using var controller = new RolloutController(new InMemoryRolloutStateStore(), options, TimeProvider.System);
        using IChatClient client = new PromptRoutingChatClient(RecordVersion(seen), options, registry, controller, logger: null);

        await client.GetResponseAsync("hi", Request(user: "ada"));
        registry.Production = "3.0.0";
        await client.GetResponseAsync("hi", Request(user: "ada"));

        Assert.Equal(1, seen["3.2.0"]);
        Assert.Equal(1, seen["<label>"]);
    }

    [Fact]
    public void Rollouts_bind_from_configuration_and_invalid_ones_name_the_option()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GovernedAi:Rollouts:support.reply:Variants:0:Version"] = "3.1.0",
            ["GovernedAi:Rollouts:support.reply:Variants:0:Weight"] = "90",
            ["GovernedAi:Rollouts:support.reply:Variants:1:Version"] = "3.2.0",
            ["GovernedAi:Rollouts:support.reply:Variants:1:Weight"] = "10",
            ["GovernedAi:Rollouts:support.reply:ShadowVersion"] = "4.0.0",
            ["GovernedAi:Rollouts:triage:Variants:0:Version"] = "1.0.0",
            ["GovernedAi:Rollouts:triage:Variants:0:Weight"] = "-1",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddGovernedAi(_ => new ScriptedChatClient());
        using ServiceProvider provider = services.BuildServiceProvider();

        OptionsValidationException ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value);

        Assert.Contains(ex.Failures, f => f.StartsWith("GovernedAi:Routing:Rollouts:triage:Variants:0:Weight", StringComparison.Ordinal));
        Assert.DoesNotContain(ex.Failures, f => f.Contains("support.reply", StringComparison.Ordinal));
    }

    [Fact]
    public void Rollouts_added_in_code_reach_the_options()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient()).AddRollout(Contract, r =>
        {
            r.Variants.Add(new RolloutVariant { Version = "3.1.0", Weight = 90 });
            r.Variants.Add(new RolloutVariant { Version = "3.2.0", Weight = 10 });
        });
        using ServiceProvider provider = services.BuildServiceProvider();

        RolloutOptions rollout = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Rollouts[Contract];

        Assert.Equal(["3.1.0", "3.2.0"], rollout.Variants.Select(v => v.Version));
    }

    private static RolloutOptions Canary(double baseline, double candidate) => new()
    {
        Variants =
        {
            new RolloutVariant { Version = "3.1.0", Weight = baseline },
            new RolloutVariant { Version = "3.2.0", Weight = candidate },
        },
    };

    private static ChatOptions Request(string user) => new ChatOptions().WithContract(Contract).WithTenant("acme", user);

    private static IChatClient Pipeline(RolloutOptions rollout, IChatClient inner, IRolloutStateStore? store = null)
    {
        var options = new PromptRoutingOptions { StateRefreshInterval = TimeSpan.FromMilliseconds(100) };
        options.Rollouts[Contract] = rollout;
        var controller = new RolloutController(store ?? new InMemoryRolloutStateStore(), options, TimeProvider.System);
        return new PromptRoutingChatClient(inner, options, registry: null, controller, logger: null);
    }

    private static CallbackChatClient RecordVersion(ConcurrentDictionary<string, int> seen) => new()
    {
        OnGetResponse = (_, options, _) =>
        {
            seen.AddOrUpdate(options.GetGovernanceContext()?.ContractVersion ?? "<label>", 1, (_, n) => n + 1);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        },
        OnGetStreamingResponse = (_, options, ct) => CallbackChatClient.Stream(() =>
        {
            seen.AddOrUpdate(options.GetGovernanceContext()?.ContractVersion ?? "<label>", 1, (_, n) => n + 1);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        }, ct),
    };

    private static CallbackChatClient RecordVersionPerUser(ConcurrentDictionary<string, string> seen) => new()
    {
        OnGetResponse = (_, options, _) =>
        {
            GovernanceContext context = options.GetGovernanceContext()!;
            seen[context.UserId!] = context.ContractVersion!;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        },
    };

    private sealed class LabelRegistry(string production) : IPromptRegistry
    {
        public string Production { get; set; } = production;

        public void Register(PromptContract contract) => throw new NotSupportedException();

        public PromptContract Resolve(string id, string? versionOrLabel = null) =>
            new() { Id = id, Version = versionOrLabel is null or "production" ? Production : versionOrLabel };

        public void SetLabel(string id, string label, string version) => Production = version;
    }
}

[Collection(global::Contracts.Ai.Tests.Telemetry.TelemetryCollection.Name)]
public class RolloutAuditTests
{
    [Fact]
    public async Task The_call_that_triggers_a_rollback_notes_it_in_its_audit_record()
    {
        const string contract = "audit.triage";
        var sink = new global::Contracts.Ai.Tests.Audit.DecisionAuditTests.CollectingSink();
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(request =>
                GovernedCall.ContextOf(request.Options)?.ContractVersion == "2.0.0"
                    ? ScriptedTurn.Fail(new ContractViolationException(contract, "2.0.0", ["$.priority: missing"]))
                    : ScriptedTurn.Reply("ok")))
            .AddContract(new PromptContract { Id = contract, Version = "1.0.0", Template = "Triage." })
            .AddContract(new PromptContract { Id = contract, Version = "2.0.0", Template = "Triage briefly." })
            .AddRollout(contract, r =>
            {
                r.Variants.Add(new RolloutVariant { Version = "1.0.0", Weight = 0 });
                r.Variants.Add(new RolloutVariant { Version = "2.0.0", Weight = 100 });
                r.AutoRollback.MinimumSamples = 3;

                // Three failures in three is evidence of 11.6 to 1 that the rate exceeds 30 %: enough at 90 %, not at 99 %.
                r.AutoRollback.Confidence = 0.9;
            })
            .AddAuditSink(sink);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();

        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ContractViolationException>(() => chat.GetResponseAsync("hi", new ChatOptions().WithContract(contract).WithTenant("acme", $"u{i}")));
        }

        await chat.GetResponseAsync("hi", new ChatOptions().WithContract(contract).WithTenant("acme", "after"));
        await provider.DisposeAsync();

        DecisionRecord triggering = Assert.Single(sink.Records, r => r.RolloutEvents.Count > 0);
        Assert.Contains("rolled back audit.triage 2.0.0", triggering.RolloutEvents[0], StringComparison.Ordinal);
        Assert.Equal("1.0.0", sink.Records[^1].ContractVersion);
    }
}
