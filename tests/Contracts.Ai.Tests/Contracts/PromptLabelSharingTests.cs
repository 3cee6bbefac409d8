using System.Collections.Concurrent;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Contracts.Ai.Tests.Contracts;

/// <summary>Label positions shared by several instances through one <see cref="IPromptLabelStore"/> (here the in-memory one, as two service providers).</summary>
public class PromptLabelSharingTests
{
    private const string Contract = "support.triage";
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_label_moved_on_one_instance_is_resolved_by_another_after_the_refresh_and_so_is_its_rollback()
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider a = Instance(store);
        using ServiceProvider b = Instance(store);
        IPromptRegistry registryB = b.GetRequiredService<IPromptRegistry>();
        Assert.Equal("1.0.0", registryB.Resolve(Contract).Version);

        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "2.0.0");
        string beforeRefresh = registryB.Resolve(Contract).Version;
        _time.Advance(Refresh);
        string afterMove = registryB.Resolve(Contract).Version;

        a.GetRequiredService<InMemoryPromptRegistry>().RollbackLabel(Contract, PromptLabels.Production);
        _time.Advance(Refresh);
        string afterRollback = registryB.Resolve(Contract).Version;

        Assert.Equal("1.0.0", beforeRefresh);
        Assert.Equal("2.0.0", afterMove);
        Assert.Equal("1.0.0", afterRollback);
        Assert.Equal("1.0.0", a.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
    }

    [Fact]
    public void A_move_received_from_another_instance_can_be_rolled_back_here_and_that_is_shared_too()
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider a = Instance(store);
        using ServiceProvider b = Instance(store);
        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "2.0.0");
        _time.Advance(Refresh);

        string rolledBackTo = b.GetRequiredService<InMemoryPromptRegistry>().RollbackLabel(Contract, PromptLabels.Production);
        _time.Advance(Refresh);

        Assert.Equal("1.0.0", rolledBackTo);
        Assert.Equal("1.0.0", a.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
    }

    [Fact]
    public void A_new_instance_starts_with_the_labels_the_fleet_moved_not_the_ones_in_its_code()
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider a = Instance(store);
        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "2.0.0");

        using ServiceProvider late = Instance(store);

        Assert.Equal("2.0.0", late.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
    }

    [Fact]
    public void A_deployment_that_moves_the_label_in_its_code_starts_from_its_own_position_not_from_an_older_move()
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider a = Instance(store);
        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "2.0.0");

        // A new release points production at 0.9.0 in its code; a restart of the old release still says 1.0.0.
        using ServiceProvider newRelease = Instance(store, production: "0.9.0");
        using ServiceProvider restarted = Instance(store);
        _time.Advance(Refresh);

        Assert.Equal("0.9.0", newRelease.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
        Assert.Equal("2.0.0", restarted.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);

        // A move made in the new release reaches its own instances only.
        using ServiceProvider newRelease2 = Instance(store, production: "0.9.0");
        newRelease.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "1.0.0");
        _time.Advance(Refresh);

        Assert.Equal("1.0.0", newRelease2.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
        Assert.Equal("2.0.0", a.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
    }

    [Fact]
    public async Task A_plain_stored_position_applies_on_every_instance_and_a_move_from_this_start_position_wins_over_it()
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider b = Instance(store);
        IPromptRegistry registry = b.GetRequiredService<IPromptRegistry>();

        // An operator writes the label alone, by hand.
        await store.SetLabelAsync(Contract, PromptLabels.Production, "2.0.0");
        _time.Advance(Refresh);
        string plain = registry.Resolve(Contract).Version;

        await store.SetLabelAsync(Contract, PromptLabels.Production + "@1.0.0", "0.9.0");
        _time.Advance(Refresh);
        string qualified = registry.Resolve(Contract).Version;
        _time.Advance(Refresh);

        Assert.Equal("2.0.0", plain);
        Assert.Equal("0.9.0", qualified);
        Assert.Equal("0.9.0", registry.Resolve(Contract).Version);
        Assert.Equal(2, b.GetFakeLogCollector().GetSnapshot().Count(r => r.Id.Id == 7010));
    }

    [Fact]
    public void A_label_moved_here_is_not_undone_by_the_older_position_in_the_store()
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider a = Instance(store);
        using ServiceProvider b = Instance(store);
        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "2.0.0");
        _time.Advance(Refresh);

        // Moved back here, and instantly: the store says 1.0.0 too, so every later refresh agrees.
        b.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "1.0.0");
        _time.Advance(Refresh);

        Assert.Equal("1.0.0", b.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
        Assert.Equal("1.0.0", a.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
    }

    [Fact]
    public async Task A_stored_version_this_instance_does_not_have_is_ignored_the_local_position_is_kept_and_a_warning_logged_once()
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider b = Instance(store);
        IPromptRegistry registry = b.GetRequiredService<IPromptRegistry>();

        await store.SetLabelAsync(Contract, PromptLabels.Production, "9.9.9");
        _time.Advance(Refresh);
        _time.Advance(Refresh);

        Assert.Equal("1.0.0", registry.Resolve(Contract).Version);
        FakeLogRecord warning = Assert.Single(b.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 7011);
        Assert.Contains("9.9.9", warning.Message, StringComparison.Ordinal);
        Assert.Contains(Contract, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("2.0.0")]
    [InlineData("has space")]
    public async Task A_stored_position_that_is_not_a_valid_label_is_ignored(string label)
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider b = Instance(store);
        var registry = b.GetRequiredService<InMemoryPromptRegistry>();
        var labelsBefore = new Dictionary<string, string>(registry.GetLabels(Contract));

        await store.SetLabelAsync(Contract, label, "0.9.0");
        _time.Advance(Refresh);

        Assert.Equal(labelsBefore, registry.GetLabels(Contract));
        Assert.Equal("1.0.0", registry.Resolve(Contract).Version);
        Assert.Equal("2.0.0", registry.Resolve(Contract, "2.0.0").Version);
        Assert.Single(b.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 7012);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Governed_calls_run_the_version_the_shared_label_points_at(bool streaming)
    {
        var store = new InMemoryPromptLabelStore();
        using ServiceProvider a = Instance(store);
        using ServiceProvider b = Instance(store);
        IChatClient client = b.GetRequiredService<IChatClient>();
        ScriptedChatClient model = b.GetRequiredService<ScriptedChatClient>();

        await client.AskAsync("ticket", new ChatOptions().WithContract(Contract), streaming);
        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "2.0.0");
        _time.Advance(Refresh);
        await client.AskAsync("ticket", new ChatOptions().WithContract(Contract), streaming);

        Assert.Equal(["Triage v1.", "Triage v2."], model.Requests.Select(r => SystemPrompt(r)));
    }

    [Fact]
    public async Task While_the_store_fails_calls_and_label_moves_keep_working_here_and_the_move_is_shared_once_it_answers()
    {
        var store = new UnreliableLabelStore();
        using ServiceProvider a = Instance(store);
        using ServiceProvider b = Instance(store);
        IChatClient client = a.GetRequiredService<IChatClient>();

        store.Down = true;
        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "2.0.0");
        _time.Advance(Refresh);
        _time.Advance(Refresh);
        ChatResponse answer = await client.GetResponseAsync("ticket", new ChatOptions().WithContract(Contract));
        string seenByBWhileDown = b.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version;

        store.Down = false;
        _time.Advance(Refresh);
        _time.Advance(Refresh);

        Assert.Equal("ok", answer.Text);
        Assert.Equal("Triage v2.", SystemPrompt(a.GetRequiredService<ScriptedChatClient>().Requests[^1]));
        Assert.Equal("1.0.0", seenByBWhileDown);
        Assert.Equal("2.0.0", b.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
        IReadOnlyList<FakeLogRecord> logs = a.GetFakeLogCollector().GetSnapshot();
        Assert.Single(logs, r => r.Id.Id == 7013);
        Assert.Single(logs, r => r.Id.Id == 7015);
    }

    [Fact]
    public async Task A_new_instance_whose_host_starts_reads_the_shared_labels_before_serving()
    {
        var store = new SlowLabelStore();
        await store.SetLabelAsync(Contract, PromptLabels.Production, "2.0.0");
        using ServiceProvider b = Instance(store);

        foreach (IHostedService hosted in b.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        Assert.Equal("2.0.0", b.GetRequiredService<IPromptRegistry>().Resolve(Contract).Version);
    }

    [Fact]
    public void AddGovernedAi_shares_labels_in_memory_by_default_and_an_apps_own_store_replaces_it()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient());
        using ServiceProvider provider = services.BuildServiceProvider();
        var own = new InMemoryPromptLabelStore();
        var replaced = new ServiceCollection();
        replaced.AddSingleton<IPromptLabelStore>(own);
        replaced.AddGovernedAi(_ => new ScriptedChatClient());
        using ServiceProvider withOwn = replaced.BuildServiceProvider();

        Assert.IsType<InMemoryPromptLabelStore>(provider.GetRequiredService<IPromptLabelStore>());
        Assert.Same(own, withOwn.GetRequiredService<IPromptLabelStore>());
    }

    [Fact]
    public async Task A_label_moved_on_another_instance_wins_over_a_rollout_there_and_on_instances_that_start_later()
    {
        var store = new InMemoryPromptLabelStore();
        var seenByB = new ConcurrentDictionary<string, int>();
        var seenByLate = new ConcurrentDictionary<string, int>();
        using ServiceProvider a = Instance(store, withCanary: true);
        using ServiceProvider b = Instance(store, withCanary: true, seenByB);
        IChatClient clientB = b.GetRequiredService<IChatClient>();
        await clientB.GetResponseAsync("ticket", Request("ada"));

        a.GetRequiredService<IPromptRegistry>().SetLabel(Contract, PromptLabels.Production, "0.9.0");
        _time.Advance(Refresh);
        using ServiceProvider late = Instance(store, withCanary: true, seenByLate);
        seenByB.Clear();
        for (int i = 0; i < 20; i++)
        {
            await clientB.GetResponseAsync("ticket", Request($"u{i}"));
            await late.GetRequiredService<IChatClient>().GetResponseAsync("ticket", Request($"u{i}"));
        }

        Assert.Equal(20, seenByB["Triage v0.9."]);
        Assert.Equal(20, seenByLate["Triage v0.9."]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public async Task The_in_memory_store_rejects_blank_arguments_naming_them(string? blank)
    {
        var store = new InMemoryPromptLabelStore();

        ArgumentException id = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetLabelAsync(blank!, "production", "1.0.0").AsTask());
        ArgumentException label = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetLabelAsync(Contract, blank!, "1.0.0").AsTask());
        ArgumentException version = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetLabelAsync(Contract, "production", blank!).AsTask());
        ArgumentException read = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetLabelsAsync(blank!).AsTask());

        Assert.Equal("contractId", id.ParamName);
        Assert.Equal("label", label.ParamName);
        Assert.Equal("version", version.ParamName);
        Assert.Equal("contractId", read.ParamName);
        Assert.Empty(await store.GetLabelsAsync(Contract));
    }

    [Fact]
    public async Task The_in_memory_store_keeps_the_latest_position_per_label_and_contract()
    {
        var store = new InMemoryPromptLabelStore();

        await store.SetLabelAsync(Contract, "production", "1.0.0");
        await store.SetLabelAsync(Contract, "production", "2.0.0");
        await store.SetLabelAsync(Contract, "canary", "3.0.0");
        await store.SetLabelAsync("other", "production", "9.0.0");

        Assert.Equal(new Dictionary<string, string> { ["production"] = "2.0.0", ["canary"] = "3.0.0" }, await store.GetLabelsAsync(Contract));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetLabelsAsync(Contract, new CancellationToken(canceled: true)).AsTask());
    }

    private ServiceProvider Instance(IPromptLabelStore store, bool withCanary = false, ConcurrentDictionary<string, int>? seen = null, string production = "1.0.0")
    {
        var model = new ScriptedChatClient(request =>
        {
            seen?.AddOrUpdate(SystemPrompt(request), 1, (_, n) => n + 1);
            return ScriptedTurn.Reply("ok");
        });
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddFakeLogging();
        services.AddSingleton(model);
        services.AddSingleton(store);
        IGovernedAiBuilder builder = services.AddGovernedAi(_ => model, o => o.Routing.StateRefreshInterval = Refresh)
            .AddContract(new PromptContract { Id = Contract, Version = "0.9.0", Template = "Triage v0.9." })
            .AddContract(new PromptContract { Id = Contract, Version = "1.0.0", Template = "Triage v1." })
            .AddContract(new PromptContract { Id = Contract, Version = "2.0.0", Template = "Triage v2." })
            .SetContractLabel(Contract, PromptLabels.Production, production);
        if (withCanary)
        {
            builder.AddRollout(Contract, r =>
            {
                r.Variants.Add(new RolloutVariant { Version = "1.0.0", Weight = 50 });
                r.Variants.Add(new RolloutVariant { Version = "2.0.0", Weight = 50 });
            });
        }

        return services.BuildServiceProvider();
    }

    private static ChatOptions Request(string user) => new ChatOptions().WithContract(Contract).WithTenant("acme", user);

    /// <summary>The contract's rendered template, which tells which version the model was asked with.</summary>
    private static string SystemPrompt(ScriptedRequest request) => request.Options?.Instructions ?? "<none>";

    /// <summary>A shared store that answers reads later, as a remote one does.</summary>
    private sealed class SlowLabelStore : IPromptLabelStore
    {
        private readonly InMemoryPromptLabelStore _inner = new();

        public ValueTask SetLabelAsync(string contractId, string label, string version, CancellationToken cancellationToken = default) =>
            _inner.SetLabelAsync(contractId, label, version, cancellationToken);

        public async ValueTask<IReadOnlyDictionary<string, string>> GetLabelsAsync(string contractId, CancellationToken cancellationToken = default)
        {
            await Task.Delay(50, cancellationToken);
            return await _inner.GetLabelsAsync(contractId, cancellationToken);
        }
    }

    /// <summary>A shared store that can be switched off, as a network outage would.</summary>
    private sealed class UnreliableLabelStore : IPromptLabelStore
    {
        private readonly InMemoryPromptLabelStore _inner = new();

        public volatile bool Down;

        public ValueTask SetLabelAsync(string contractId, string label, string version, CancellationToken cancellationToken = default) =>
            Down ? ValueTask.FromException(new IOException("store unreachable")) : _inner.SetLabelAsync(contractId, label, version, cancellationToken);

        public ValueTask<IReadOnlyDictionary<string, string>> GetLabelsAsync(string contractId, CancellationToken cancellationToken = default) =>
            Down ? ValueTask.FromException<IReadOnlyDictionary<string, string>>(new IOException("store unreachable")) : _inner.GetLabelsAsync(contractId, cancellationToken);
    }
}
