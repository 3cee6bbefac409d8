using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Audit;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Contracts.Ai.Tests.Routing;

/// <summary>Progressive delivery through the path users take (<c>AddGovernedAi()</c>), with scripted models failing at known rates and a fake clock.</summary>
public class ProgressiveDeliveryTests
{
    internal const string Good = """{"priority":"high"}""";
    internal const string Broken = "It is urgent, I think.";
    private const string Contract = "triage";

    public static TheoryData<ContractFailurePolicy, bool> Policies => new()
    {
        { ContractFailurePolicy.Throw, false },
        { ContractFailurePolicy.Throw, true },
        { ContractFailurePolicy.Reask, false },
        { ContractFailurePolicy.Fallback, false },
        { ContractFailurePolicy.Fallback, true },
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public async Task A_candidate_whose_first_answers_break_the_contract_is_rolled_back_within_a_bounded_number_of_requests(ContractFailurePolicy policy, bool streaming)
    {
        // The candidate's first answer always breaks the contract; a re-ask fixes it, a fallback hides it: the users still got a broken version.
        var model = new Model(seed: 1, (version, _) => version == "2.0.0" ? 1.0 : 0.02);
        await using var app = new App(model, policy);
        int candidateCalls = 0;
        for (int i = 0; i < 200 && !app.Manager.IsRolledBack(Contract, "2.0.0"); i++)
        {
            candidateCalls += await app.AskAsync($"u{i}", streaming) == "2.0.0" ? 1 : 0;
        }

        Assert.True(app.Manager.IsRolledBack(Contract, "2.0.0"), $"not rolled back after {candidateCalls} candidate calls");
        Assert.InRange(candidateCalls, 20, 25);
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal("1.0.0", await app.AskAsync($"after{i}", streaming));
        }

        PromptChangeEvent change = Assert.Single(app.Sink.Records, r => r.Change is not null).Change!;
        Assert.Equal(PromptChangeKind.RolledBack, change.Kind);
        Assert.Equal(("2.0.0", "1.0.0", "auto-rollback", "production", "instance-a"), (change.FromVersion, change.ToVersion, change.ChangedBy, change.Label, change.InstanceId));
        Assert.Contains("worse than the baseline", change.Reason, StringComparison.Ordinal);
        RolloutVersionHealth candidate = Assert.Single(app.Manager.GetHealth(Contract), h => h.Version == "2.0.0");
        Assert.Equal(candidate.Samples, candidate.FirstAnswerFailures);
        Assert.Equal(policy == ContractFailurePolicy.Fallback && !streaming ? candidate.Samples : 0, candidate.Fallbacks);
    }

    [Theory]
    [InlineData(0.30, 150)]
    [InlineData(0.60, 60)]
    public async Task A_candidate_failing_at_a_known_rate_is_rolled_back_within_its_bound(double rate, int bound)
    {
        var model = new Model(seed: 7, (version, _) => version == "2.0.0" ? rate : 0.05);
        await using var app = new App(model, ContractFailurePolicy.Reask);
        int candidateCalls = 0;
        for (int i = 0; i < 2000 && !app.Manager.IsRolledBack(Contract, "2.0.0"); i++)
        {
            candidateCalls += await app.AskAsync($"u{i}", streaming: false) == "2.0.0" ? 1 : 0;
        }

        Assert.True(app.Manager.IsRolledBack(Contract, "2.0.0"));
        Assert.True(candidateCalls <= bound, $"{candidateCalls} candidate calls before the rollback");
    }

    [Theory]
    [InlineData(ContractFailurePolicy.Throw)]
    [InlineData(ContractFailurePolicy.Reask)]
    [InlineData(ContractFailurePolicy.Fallback)]
    public async Task AA_traffic_with_the_provider_failing_one_call_in_three_never_rolls_back(ContractFailurePolicy policy)
    {
        // Both versions break 8 % of first answers; the provider fails a third of all calls (503, 429, timeouts).
        var model = new Model(seed: 11, (_, _) => 0.08) { ProviderFailureRate = 1 / 3.0 };
        await using var app = new App(model, policy);

        for (int i = 0; i < 1500; i++)
        {
            await app.AskAsync($"u{i}", streaming: false);
        }

        Assert.False(app.Manager.IsRolledBack(Contract, "2.0.0"));
        IReadOnlyList<RolloutVersionHealth> health = app.Manager.GetHealth(Contract);
        Assert.All(health, h => Assert.True(h.ProviderFailures > 150, $"{h.Version}: {h.ProviderFailures} provider failures"));
        Assert.All(health, h => Assert.InRange(h.FailureRate, 0.03, 0.15));
        Assert.DoesNotContain(app.Sink.Records, r => r.Change is not null);
    }

    [Fact]
    public async Task A_provider_failing_only_the_candidates_calls_is_not_held_against_the_candidate()
    {
        var model = new Model(seed: 3, (_, _) => 0.0) { ProviderFailureRate = 0.6, ProviderFailsOnly = "2.0.0" };
        await using var app = new App(model, ContractFailurePolicy.Throw);

        for (int i = 0; i < 400; i++)
        {
            await app.AskAsync($"u{i}", streaming: false);
        }

        Assert.False(app.Manager.IsRolledBack(Contract, "2.0.0"));
        RolloutVersionHealth candidate = Assert.Single(app.Manager.GetHealth(Contract), h => h.Version == "2.0.0");
        Assert.True(candidate.ProviderFailures > 60);
        Assert.Equal(0, candidate.Failures);
    }

    [Fact]
    public void Provider_and_transport_failures_are_told_from_the_versions()
    {
        Assert.True(ProviderFailures.IsProviderFailure(new HttpRequestException("down"), default));
        Assert.True(ProviderFailures.IsProviderFailure(new HttpRequestException("busy", null, HttpStatusCode.TooManyRequests), default));
        Assert.True(ProviderFailures.IsProviderFailure(new HttpRequestException("bad gateway", null, HttpStatusCode.BadGateway), default));
        Assert.False(ProviderFailures.IsProviderFailure(new HttpRequestException("bad request", null, HttpStatusCode.BadRequest), default));
        Assert.True(ProviderFailures.IsProviderFailure(new ClientResultException(new StatusResponse(503)), default));
        Assert.True(ProviderFailures.IsProviderFailure(new ClientResultException(new StatusResponse(429)), default));
        Assert.False(ProviderFailures.IsProviderFailure(new ClientResultException(new StatusResponse(400)), default));
        Assert.True(ProviderFailures.IsProviderFailure(new TimeoutException(), default));
        Assert.True(ProviderFailures.IsProviderFailure(new TaskCanceledException("HttpClient.Timeout"), default));
        Assert.True(ProviderFailures.IsProviderFailure(new InvalidOperationException("wrapped", new IOException("reset")), default));
        Assert.False(ProviderFailures.IsProviderFailure(new ContractViolationException(Contract, "2.0.0", ["$.priority: missing"]), default));
        Assert.False(ProviderFailures.IsProviderFailure(new JsonException("bad"), default));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.False(ProviderFailures.IsProviderFailure(new OperationCanceledException(cancelled.Token), cancelled.Token));
    }

    [Theory]
    [InlineData("latency")]
    [InlineData("tokens")]
    public async Task The_latency_and_cost_guards_roll_back_a_slower_or_costlier_candidate_only_when_set(string guard)
    {
        foreach (bool enabled in new[] { false, true })
        {
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
            var model = new Model(seed: 5, (_, _) => 0.0)
            {
                Clock = clock,
                LatencyMs = version => version == "2.0.0" && guard == "latency" ? 900 : 400,
                Tokens = version => version == "2.0.0" && guard == "tokens" ? 1800 : 1000,
            };
            await using var app = new App(model, ContractFailurePolicy.Throw, clock, rollout: r =>
            {
                r.AutoRollback.MaxLatencyIncrease = enabled && guard == "latency" ? 0.5 : null;
                r.AutoRollback.MaxTokensIncrease = enabled && guard == "tokens" ? 0.3 : null;
            });

            for (int i = 0; i < 200; i++)
            {
                await app.AskAsync($"u{i}", streaming: i % 2 == 0);
            }

            Assert.Equal(enabled, app.Manager.IsRolledBack(Contract, "2.0.0"));
            if (enabled)
            {
                PromptChangeEvent change = Assert.Single(app.Sink.Records, r => r.Change is not null).Change!;
                Assert.Contains(guard == "latency" ? "p95 latency 900 ms" : "1800 tokens per call", change.Reason, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Promote_moves_the_label_to_the_candidate_and_leaves_a_change_event_in_the_audit_and_the_history()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var model = new Model(seed: 2, (_, _) => 0.0);
        await using var app = new App(model, ContractFailurePolicy.Throw, clock);
        await app.AskAsync("ada", streaming: false);

        app.Manager.Promote(Contract, changedBy: "ada@acme", reason: "canary healthy for a week");

        for (int i = 0; i < 30; i++)
        {
            Assert.Equal("2.0.0", await app.AskAsync($"u{i}", streaming: false));
        }

        Assert.Equal("2.0.0", app.Registry.Resolve(Contract, "production").Version);
        PromptChangeEvent audited = Assert.Single(app.Sink.Records, r => r.Change is not null).Change!;
        Assert.Equal(PromptChangeKind.Promoted, audited.Kind);
        Assert.Equal(("1.0.0", "2.0.0", "ada@acme", "canary healthy for a week", "instance-a"), (audited.FromVersion, audited.ToVersion, audited.ChangedBy, audited.Reason, audited.InstanceId));
        Assert.Equal(clock.GetUtcNow(), audited.Timestamp);
        PromptChangeEvent stored = Assert.Single(await app.Manager.GetChangesAsync(Contract));
        Assert.Equal((PromptChangeKind.Promoted, "ada@acme"), (stored.Kind, stored.ChangedBy));
    }

    [Fact]
    public async Task A_non_inferior_candidate_is_promoted_automatically_after_the_set_number_of_samples()
    {
        var model = new Model(seed: 9, (_, _) => 0.03);
        await using var app = new App(model, ContractFailurePolicy.Reask, rollout: r =>
        {
            r.AutoPromote.Enabled = true;
            r.AutoPromote.MinimumSamples = 300;

            // Both at 3 %: 300 outcomes each are evidence enough that the candidate is within 8 points, not yet within 5.
            r.AutoPromote.Margin = 0.08;
        });

        int requests = 0;
        while (app.Registry.Resolve(Contract, "production").Version != "2.0.0" && requests < 2000)
        {
            await app.AskAsync($"u{requests++}", streaming: false);
        }

        Assert.Equal("2.0.0", app.Registry.Resolve(Contract, "production").Version);
        RolloutVersionHealth candidate = Assert.Single(app.Manager.GetHealth(Contract), h => h.Version == "2.0.0");
        Assert.InRange(candidate.Samples, 300, 320);
        PromptChangeEvent change = Assert.Single(app.Sink.Records, r => r.Change is not null).Change!;
        Assert.Equal((PromptChangeKind.Promoted, "auto-promote"), (change.Kind, change.ChangedBy));
        Assert.Contains("non-inferior", change.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_authorizer_refuses_moves_with_a_typed_error_and_nothing_changes()
    {
        var model = new Model(seed: 4, (version, _) => version == "2.0.0" ? 1.0 : 0.0);
        await using var app = new App(model, ContractFailurePolicy.Throw, configure: s => s.AddSingleton<IPromptChangeAuthorizer>(new OnlyReleaseBot()));

        PromptChangeRefusedException moved = Assert.Throws<PromptChangeRefusedException>(() => app.Registry.SetLabel(Contract, "production", "2.0.0", "mallory", "yolo"));
        PromptChangeRefusedException promoted = Assert.Throws<PromptChangeRefusedException>(() => app.Manager.Promote(Contract, "2.0.0", "mallory"));

        Assert.Equal((Contract, "production", "1.0.0", "2.0.0", "only release-bot may change production"), (moved.ContractId, moved.Label, moved.FromVersion, moved.ToVersion, moved.Reason));
        Assert.Equal(PromptChangeKind.Promoted, promoted.Kind);
        Assert.Contains("LabelMoved of label 'production' of contract 'triage' from 1.0.0 to 2.0.0 by mallory was refused: only release-bot may change production", moved.Message, StringComparison.Ordinal);
        Assert.Equal("1.0.0", app.Registry.Resolve(Contract, "production").Version);
        Assert.DoesNotContain(app.Sink.Records, r => r.Change is not null);

        // An automatic rollback is asked too; refused, the candidate keeps its traffic (and the refusal is logged).
        for (int i = 0; i < 80; i++)
        {
            await app.AskAsync($"u{i}", streaming: false);
        }

        Assert.False(app.Manager.IsRolledBack(Contract, "2.0.0"));
        app.Registry.SetLabel(Contract, "production", "2.0.0", "release-bot", "approved");
        Assert.Equal("2.0.0", app.Registry.Resolve(Contract, "production").Version);
        Assert.Equal("release-bot", Assert.Single(app.Sink.Records, r => r.Change is not null).Change!.ChangedBy);
    }

    [Fact]
    public async Task Every_label_move_and_rollback_is_a_change_event_in_the_audit_and_the_history()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var app = new App(new Model(seed: 1, (_, _) => 0.0), ContractFailurePolicy.Throw, clock);

        app.Registry.SetLabel(Contract, "production", "2.0.0", "ada", "release 42");
        clock.Advance(TimeSpan.FromMinutes(5));
        app.Registry.RollbackLabel(Contract, "production", "bob", "pager went off");
        Assert.True(app.Manager.RollBack(Contract, "2.0.0", "bob", "hold the canary"));
        await app.Manager.ClearRollbackAsync(Contract, "2.0.0", "ada", "fixed");

        PromptChangeEvent[] audited = app.Sink.Records.Where(r => r.Change is not null).Select(r => r.Change!).ToArray();
        Assert.Equal(
            [PromptChangeKind.LabelMoved, PromptChangeKind.LabelRolledBack, PromptChangeKind.RolledBack, PromptChangeKind.RollbackCleared],
            audited.Select(c => c.Kind));
        Assert.Equal(("1.0.0", "2.0.0", "ada", "release 42"), (audited[0].FromVersion, audited[0].ToVersion, audited[0].ChangedBy, audited[0].Reason));
        Assert.Equal(("2.0.0", "1.0.0", "bob"), (audited[1].FromVersion, audited[1].ToVersion, audited[1].ChangedBy));
        Assert.Equal(clock.GetUtcNow(), audited[1].Timestamp);
        Assert.All(audited, c => Assert.Equal("instance-a", c.InstanceId));
        Assert.All(app.Sink.Records.Where(r => r.Change is not null), r => Assert.Equal("change", r.Outcome));
        IReadOnlyList<PromptChangeEvent> history = await app.Manager.GetChangesAsync(Contract);
        Assert.Equal(audited.Reverse().Select(c => c.Kind), history.Select(c => c.Kind));
    }

    [Fact]
    public async Task After_DeprecatedAfter_label_and_rollout_traffic_moves_to_ReplacedBy_with_a_warning_and_a_metric()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var seen = new List<string>();
        var model = new ScriptedChatClient(request =>
        {
            lock (seen)
            {
                seen.Add(VersionOf(request));
            }

            return ScriptedTurn.Reply(Good);
        });
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddGovernedAi(_ => model)
            .AddContract(Triage("1.0.0", ContractFailurePolicy.Throw, c => { c.DeprecatedAfter = clock.GetUtcNow().AddDays(1); c.ReplacedBy = "1.1.0"; }))
            .AddContract(Triage("1.1.0", ContractFailurePolicy.Throw))
            .SetContractLabel(Contract, "production", "1.0.0");
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient chat = provider.GetRequiredService<IChatClient>();
        using var shifts = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(null, GovernedAiTelemetry.SourceName, "contracts_ai.rollout.deprecation_shifts");

        await chat.GetResponseAsync("hi", Request("ada"));
        clock.Advance(TimeSpan.FromDays(2));
        await chat.GetResponseAsync("hi", Request("ada"));
        await chat.GetResponseAsync("hi", new ChatOptions().WithContract(Contract, "1.0.0", inputs: null).WithTenant("acme", "pinned"));

        Assert.Equal(["1.0.0", "1.1.0", "1.0.0"], seen);
        Assert.Contains(shifts.GetMeasurementSnapshot(), m => m.Tags[TelemetryNames.Attributes.ContractVersion] as string == "1.0.0" && m.Tags["contracts_ai.contract.replaced_by"] as string == "1.1.0");
    }

    [Fact]
    public async Task A_rollout_on_a_version_deprecated_since_the_last_deploy_still_starts_and_its_traffic_moves()
    {
        string dir = Path.Combine(Path.GetTempPath(), "contracts-ai-deprecation-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "1.0.0.prompty"), "---\nid: old.reply\nversion: 1.0.0\nlabels: [production]\ndeprecation: { deprecated_after: 2020-01-31, replaced_by: 2.0.0 }\n---\nHello.\n");
            File.WriteAllText(Path.Combine(dir, "2.0.0.prompty"), "---\nid: old.reply\nversion: 2.0.0\nrollout:\n  weights: { 1.0.0: 90, 2.0.0: 10 }\n---\nHello there.\n");
            var seen = new List<string>();
            var services = new ServiceCollection();
            services.AddGovernedAi(_ => new ScriptedChatClient(request =>
            {
                lock (seen)
                {
                    seen.Add(GovernanceContext.Current!.ContractVersion!);
                }

                return ScriptedTurn.Reply("hello");
            })).AddPromptsFromDirectory(dir);
            await using ServiceProvider provider = services.BuildServiceProvider();
            IChatClient chat = provider.GetRequiredService<IChatClient>();

            for (int i = 0; i < 20; i++)
            {
                await chat.GetResponseAsync("hi", new ChatOptions().WithContract("old.reply").WithTenant("acme", $"u{i}"));
            }

            Assert.All(seen, v => Assert.Equal("2.0.0", v));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Rollback_and_promotion_options_are_validated_with_the_option_named()
    {
        var options = new GovernedAiOptions();
        var rollout = new RolloutOptions { Variants = { new RolloutVariant { Version = "1.0.0", Weight = 1 } } };
        rollout.AutoRollback.Margin = 1.5;
        rollout.AutoRollback.Confidence = 0.4;
        rollout.AutoRollback.MaxLatencyIncrease = -1;
        rollout.AutoPromote.MinimumSamples = 0;
        options.Routing.Rollouts[Contract] = rollout;

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Routing:Rollouts:triage:AutoRollback:Margin must be at least 0 and below 1, but was 1.5", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Routing:Rollouts:triage:AutoRollback:Confidence", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Routing:Rollouts:triage:AutoRollback:MaxLatencyIncrease", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Routing:Rollouts:triage:AutoPromote:MinimumSamples", StringComparison.Ordinal));
    }

    internal static PromptContract Triage(string version, ContractFailurePolicy policy, Action<PromptContract>? configure = null)
    {
        var contract = new PromptContract
        {
            Id = Contract,
            Version = version,
            Template = $"Triage the ticket. [{version}]",
            OutputSchema = JsonDocument.Parse("""{"type":"object","properties":{"priority":{"enum":["low","high"]}},"required":["priority"],"additionalProperties":false}""").RootElement,
            OnFailure = policy,
            MaxReasks = 1,
            FallbackResponse = policy == ContractFailurePolicy.Fallback ? """{"priority":"low"}""" : null,
        };
        configure?.Invoke(contract);
        return contract;
    }

    /// <summary>The version whose prompt the model received: routed requests name it; label requests carry it in the rendered prompt.</summary>
    internal static string VersionOf(ScriptedRequest request)
    {
        string? instructions = request.Options?.Instructions;
        int open = instructions?.LastIndexOf('[') ?? -1;
        return open >= 0 && instructions!.IndexOf(']', open) is int close and > 0
            ? instructions[(open + 1)..close]
            : GovernanceContext.Current?.ContractVersion ?? "?";
    }

    private static ChatOptions Request(string user) => new ChatOptions().WithContract(Contract).WithTenant("acme", user);

    /// <summary>A scripted model whose first answers break the contract at a known rate per version, and whose provider fails at a known rate.</summary>
    internal sealed class Model(int seed, Func<string, bool, double> brokenRate)
    {
        private readonly Random _random = new(seed);

        public double ProviderFailureRate { get; init; }

        public string? ProviderFailsOnly { get; init; }

        public FakeTimeProvider? Clock { get; init; }

        public Func<string, int>? LatencyMs { get; init; }

        public Func<string, int>? Tokens { get; init; }

        public ConcurrentCounter Served { get; } = new();

        public ScriptedTurn Respond(ScriptedRequest request)
        {
            string version = VersionOf(request);
            bool reask = request.Messages.Any(m => m.Role == ChatRole.User && m.Text.StartsWith("Your previous answer", StringComparison.Ordinal));
            double roll, fail;
            lock (_random)
            {
                roll = _random.NextDouble();
                fail = _random.NextDouble();
            }

            if (!reask)
            {
                Served.Add(version);
            }

            if ((ProviderFailsOnly is null || ProviderFailsOnly == version) && fail < ProviderFailureRate)
            {
                return ScriptedTurn.Fail(((int)(fail * 1000) % 3) switch
                {
                    0 => (Exception)new HttpRequestException("service unavailable", null, HttpStatusCode.ServiceUnavailable),
                    1 => new ClientResultException(new StatusResponse(429)),
                    _ => new TimeoutException("the provider did not answer in time"),
                });
            }

            Clock?.Advance(TimeSpan.FromMilliseconds(LatencyMs?.Invoke(version) ?? 0));
            ScriptedTurn turn = ScriptedTurn.Reply(!reask && roll < brokenRate(version, reask) ? Broken : Good);
            return Tokens is null ? turn : turn.WithUsage(Tokens(version) - 100, 100);
        }
    }

    /// <summary>Counts calls per version, and remembers the last version served.</summary>
    internal sealed class ConcurrentCounter
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public string? Last { get; private set; }

        public int this[string version]
        {
            get
            {
                lock (_counts)
                {
                    return _counts.TryGetValue(version, out int n) ? n : 0;
                }
            }
        }

        public void Add(string version)
        {
            lock (_counts)
            {
                _counts[version] = this[version] + 1;
                Last = version;
            }
        }
    }

    /// <summary>One app instance: AddGovernedAi() over the scripted model, contract 1.0.0 (baseline) and 2.0.0 (candidate), 50/50.</summary>
    internal sealed class App : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly Model _model;

        public App(Model model, ContractFailurePolicy policy, FakeTimeProvider? clock = null, Action<RolloutOptions>? rollout = null, Action<IServiceCollection>? configure = null, string instance = "instance-a")
        {
            _model = model;
            var services = new ServiceCollection();
            if (clock is not null)
            {
                services.AddSingleton<TimeProvider>(clock);
            }

            configure?.Invoke(services);
            ScriptedChatClient client = new(model.Respond);
            services.AddGovernedAi(_ => client, o => o.Routing.InstanceId = instance)
                .AddContract(Triage("1.0.0", policy))
                .AddContract(Triage("2.0.0", policy))
                .SetContractLabel(Contract, "production", "1.0.0")
                .AddRollout(Contract, r =>
                {
                    r.Variants.Add(new RolloutVariant { Version = "1.0.0", Weight = 50 });
                    r.Variants.Add(new RolloutVariant { Version = "2.0.0", Weight = 50 });
                    rollout?.Invoke(r);
                })
                .AddAuditSink(Sink);
            _provider = services.BuildServiceProvider();
            Chat = _provider.GetRequiredService<IChatClient>();
            Manager = _provider.GetRequiredService<RolloutManager>();
            Registry = _provider.GetRequiredService<InMemoryPromptRegistry>();
        }

        public DecisionAuditTests.CollectingSink Sink { get; } = new();

        public IChatClient Chat { get; }

        public RolloutManager Manager { get; }

        public InMemoryPromptRegistry Registry { get; }

        /// <summary>Asks as a user; returns the version that served the first answer, whatever the call's end.</summary>
        public async Task<string?> AskAsync(string user, bool streaming)
        {
            try
            {
                await Chat.AskAsync("Printer on fire", Request(user), streaming);
            }
            catch (Exception ex) when (ex is ContractViolationException or HttpRequestException or ClientResultException or TimeoutException)
            {
            }

            return _model.Served.Last;
        }

        public ValueTask DisposeAsync() => _provider.DisposeAsync();
    }

    private sealed class OnlyReleaseBot : IPromptChangeAuthorizer
    {
        public bool TryAuthorize(PromptChangeEvent change, out string? refusal)
        {
            refusal = change.ChangedBy == "release-bot" ? null : "only release-bot may change production";
            return refusal is null;
        }
    }

    /// <summary>A pipeline response carrying only a status, as an SDK's ClientResultException holds.</summary>
    internal sealed class StatusResponse(int status) : PipelineResponse
    {
        private Stream? _content;

        public override int Status => status;

        public override string ReasonPhrase => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public override Stream? ContentStream { get => _content; set => _content = value; }

        public override BinaryData Content => BinaryData.FromString(string.Empty);

        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => Content;

        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => new(Content);

        protected override PipelineResponseHeaders HeadersCore { get; } = new NoHeaders();

        public override void Dispose()
        {
        }
    }

    private sealed class NoHeaders : PipelineResponseHeaders
    {
        public override bool TryGetValue(string name, out string? value)
        {
            value = null;
            return false;
        }

        public override bool TryGetValues(string name, out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }

        public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Enumerable.Empty<KeyValuePair<string, string>>().GetEnumerator();
    }
}
