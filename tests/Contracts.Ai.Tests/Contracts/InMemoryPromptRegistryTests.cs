using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Contracts;

public class InMemoryPromptRegistryTests
{
    [Fact]
    public void Resolve_WithoutVersion_ReturnsLatestUntilProductionIsSet()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0"));
        registry.Register(Contract("1.2.0"));
        registry.Register(Contract("1.10.0"));

        Assert.Equal("1.10.0", registry.Resolve("triage").Version);
        Assert.Equal("1.10.0", registry.Resolve("triage", "latest").Version);

        registry.SetLabel("triage", "production", "1.2.0");

        Assert.Equal("1.2.0", registry.Resolve("triage").Version);
        Assert.Equal("1.10.0", registry.Resolve("triage", "latest").Version);
        Assert.Equal("1.0.0", registry.Resolve("triage", "1.0.0").Version);
    }

    [Fact]
    public void Latest_FollowsSemanticPrecedence_AndSkipsPreReleasesWhileAReleaseExists()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("2.0.0-rc.1"));
        Assert.Equal("2.0.0-rc.1", registry.Resolve("triage", "latest").Version);

        registry.Register(Contract("1.9.0"));
        registry.Register(Contract("2.0.0-alpha"));
        registry.Register(Contract("1.10.0+build.7"));

        Assert.Equal("1.10.0+build.7", registry.Resolve("triage").Version);
        Assert.Equal(new[] { "1.9.0", "1.10.0+build.7", "2.0.0-alpha", "2.0.0-rc.1" }, registry.GetVersions("triage"));

        registry.Register(Contract("2.0.0"));
        Assert.Equal("2.0.0", registry.Resolve("triage").Version);
    }

    [Fact]
    public void PreReleaseOrdering_FollowsTheSpecification()
    {
        string[] ordered = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0" };
        var registry = new InMemoryPromptRegistry();
        foreach (string version in ordered.Reverse())
        {
            registry.Register(Contract(version));
        }

        Assert.Equal(ordered, registry.GetVersions("triage"));
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("01.0.0")]
    [InlineData("1.0.0-")]
    [InlineData("1.0.0-01")]
    [InlineData("latest")]
    [InlineData("")]
    public void Register_RejectsAVersionThatIsNotSemantic(string version)
    {
        var registry = new InMemoryPromptRegistry();

        var ex = Assert.Throws<ContractDefinitionException>(() => registry.Register(Contract(version)));

        Assert.Contains("triage", ex.Message, StringComparison.Ordinal);
        Assert.Contains("semantic version", ex.Message, StringComparison.Ordinal);
        Assert.Empty(registry.GetVersions("triage"));
    }

    [Fact]
    public void Register_SameDefinitionTwice_IsANoOp_ButADifferentOneIsRejected()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0", "Answer {{question}}"));
        registry.Register(Contract("1.0.0", "Answer {{question}}"));

        var ex = Assert.Throws<InvalidOperationException>(() => registry.Register(Contract("1.0.0", "Answer briefly: {{question}}")));

        Assert.Contains("'triage' version 1.0.0", ex.Message, StringComparison.Ordinal);
        Assert.Equal("Answer {{question}}", registry.Resolve("triage", "1.0.0").Template);
    }

    [Fact]
    public void Register_RejectsAVersionDifferingOnlyInBuildMetadata()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0+a"));

        var ex = Assert.Throws<InvalidOperationException>(() => registry.Register(Contract("1.0.0+b")));

        Assert.Contains("1.0.0+a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_ListsEveryProblemOfAnInvalidContract()
    {
        var contract = new PromptContract
        {
            Id = "triage",
            Version = "1.0.0",
            Template = "Hello {{name}}, about {{topic}}",
            Inputs =
            {
                new ContractInput { Name = "name", Type = "text" },
                new ContractInput { Name = "name" },
                new ContractInput { Name = "bad name" },
                new ContractInput { Name = "code", Pattern = "([a-z" },
            },
            OnFailure = ContractFailurePolicy.Fallback,
            MaxReasks = -1,
            OutputSchema = JsonDocument.Parse("\"not a schema\"").RootElement,
        };

        var ex = Assert.Throws<ContractDefinitionException>(() => new InMemoryPromptRegistry().Register(contract));

        Assert.Contains("input 'name' has type 'text'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input 'name' is declared more than once", ex.Message, StringComparison.Ordinal);
        Assert.Contains("name 'bad name' is not valid", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input 'code' Pattern is not a valid regular expression", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'{{topic}}' does not name a declared input", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FallbackResponse is not set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxReasks must be 0 or more", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OutputSchema must be a JSON object or boolean", ex.Message, StringComparison.Ordinal);
        Assert.False(contract.IsFrozen);
    }

    [Fact]
    public void Register_RejectsAFallbackThatBreaksTheOutputSchema()
    {
        PromptContract contract = ContractTestKit.TicketContract(onFailure: ContractFailurePolicy.Fallback, fallback: """{"category":"unknown"}""");

        var ex = Assert.Throws<ContractDefinitionException>(() => new InMemoryPromptRegistry().Register(contract));

        Assert.Contains("FallbackResponse is not JSON that satisfies OutputSchema", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_FreezesTheContract()
    {
        var contract = Contract("1.0.0");
        new InMemoryPromptRegistry().Register(contract);

        Assert.True(contract.IsFrozen);
        var ex = Assert.Throws<InvalidOperationException>(() => contract.Template = "changed");
        Assert.Contains("register a new version", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => contract.Inputs[0].MaxLength = 1);
        Assert.Throws<NotSupportedException>(() => contract.Inputs.Add(new ContractInput { Name = "extra" }));
        Assert.Throws<NotSupportedException>(() => contract.Tags["risk"] = "high");
    }

    [Fact]
    public void SetLabel_MovesTheLabel_AndMovingItBackIsTheRollback()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0"));
        registry.Register(Contract("1.1.0"));
        registry.SetLabel("triage", "production", "1.0.0");

        registry.SetLabel("triage", "production", "1.1.0");
        Assert.Equal("1.1.0", registry.Resolve("triage").Version);

        registry.SetLabel("triage", "production", "1.0.0");
        Assert.Equal("1.0.0", registry.Resolve("triage").Version);
        Assert.Equal("1.0.0", registry.GetLabels("triage")["production"]);
    }

    [Fact]
    public void RollbackLabel_ReturnsToThePreviousVersion_StepByStep()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0"));
        registry.Register(Contract("1.1.0"));
        registry.Register(Contract("1.2.0"));
        registry.SetLabel("triage", "production", "1.0.0");
        registry.SetLabel("triage", "production", "1.1.0");
        registry.SetLabel("triage", "production", "1.2.0");

        Assert.Equal("1.1.0", registry.RollbackLabel("triage", "production"));
        Assert.Equal("1.1.0", registry.Resolve("triage").Version);
        Assert.Equal("1.0.0", registry.RollbackLabel("triage", "production"));
        Assert.Equal("1.0.0", registry.Resolve("triage").Version);

        var ex = Assert.Throws<InvalidOperationException>(() => registry.RollbackLabel("triage", "production"));
        Assert.Contains("no earlier version", ex.Message, StringComparison.Ordinal);
        Assert.Equal("1.0.0", registry.Resolve("triage").Version);
    }

    [Fact]
    public void SetLabel_RejectsUnknownVersionsAndReservedOrAmbiguousLabels()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0"));

        var unknown = Assert.Throws<ContractNotFoundException>(() => registry.SetLabel("triage", "production", "9.9.9"));
        Assert.Contains("9.9.9", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ContractNotFoundException>(() => registry.SetLabel("other", "production", "1.0.0"));
        Assert.Throws<ArgumentException>(() => registry.SetLabel("triage", "latest", "1.0.0"));
        Assert.Throws<ArgumentException>(() => registry.SetLabel("triage", "2.0.0", "1.0.0"));
        Assert.Throws<ArgumentException>(() => registry.SetLabel("triage", "my label", "1.0.0"));
        Assert.False(registry.GetLabels("triage").ContainsKey("production"));
    }

    [Fact]
    public void Resolve_UnknownIdVersionOrLabel_ThrowsNamingWhatIsMissing()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0"));

        var id = Assert.Throws<ContractNotFoundException>(() => registry.Resolve("missing"));
        Assert.Contains("'missing'", id.Message, StringComparison.Ordinal);
        var version = Assert.Throws<ContractNotFoundException>(() => registry.Resolve("triage", "2.0.0"));
        Assert.Contains("'2.0.0'", version.Message, StringComparison.Ordinal);
        Assert.Contains("1.0.0", version.Message, StringComparison.Ordinal);
        Assert.False(registry.TryResolve("triage", "staging", out _));
        Assert.Throws<ArgumentException>(() => registry.Resolve(" "));
    }

    [Fact]
    public void Resolve_BlankArguments_ThrowTypedErrorsEvenForARegisteredId()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0"));

        Assert.Throws<ArgumentNullException>(() => registry.Resolve(null!));
        Assert.Throws<ArgumentNullException>(() => registry.TryResolve(null!, null, out _));
        Assert.Throws<ArgumentException>(() => registry.Resolve("triage", " "));
        Assert.Throws<ArgumentException>(() => registry.TryResolve("triage", "", out _));
        Assert.Throws<ArgumentException>(() => registry.TryResolve(" ", "1.0.0", out _));
        Assert.Throws<ArgumentException>(() => registry.TryResolve("missing", " ", out _));
        Assert.False(registry.TryResolve("missing", "1.0.0", out _));
    }

    [Fact]
    public async Task Resolve_WhileProductionMoves_ReturnsAVersionTheLabelHeldAndTheLastMoveAfterward()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("1.0.0"));
        registry.Register(Contract("2.0.0"));
        registry.SetLabel("triage", "production", "1.0.0");
        using var stop = new System.Threading.CancellationTokenSource();

        int resolved = 0;
        Task reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                string version = registry.Resolve("triage").Version;
                Assert.True(version is "1.0.0" or "2.0.0", version);
                Assert.True(registry.TryResolve("triage", "production", out PromptContract? labelled) && labelled.Version is "1.0.0" or "2.0.0");
                System.Threading.Interlocked.Increment(ref resolved);
            }
        });
        for (int i = 0; i < 2000 || (System.Threading.Volatile.Read(ref resolved) < 1000 && !reader.IsCompleted); i++)
        {
            registry.SetLabel("triage", "production", i % 2 == 0 ? "2.0.0" : "1.0.0");
            Assert.Equal(i % 2 == 0 ? "2.0.0" : "1.0.0", registry.Resolve("triage").Version);
        }

        stop.Cancel();
        await reader;
        registry.SetLabel("triage", "production", "2.0.0");
        Assert.Equal("2.0.0", registry.Resolve("triage").Version);
        Assert.Equal("2.0.0", registry.Resolve("triage", "latest").Version);
    }

    [Fact]
    public async Task ConcurrentRegistrationsLabelMovesAndResolves_StayConsistent()
    {
        var registry = new InMemoryPromptRegistry();
        registry.Register(Contract("0.1.0"));
        var versions = Enumerable.Range(1, 200).Select(i => $"1.{i}.0").ToArray();

        var writers = versions.Select(v => Task.Run(() =>
        {
            registry.Register(Contract(v));
            registry.Register(Contract(v));
            registry.SetLabel("triage", "production", v);
        }));
        var readers = Enumerable.Range(0, 8).Select(reader => Task.Run(() =>
        {
            for (int i = 0; i < 500; i++)
            {
                PromptContract resolved = registry.Resolve("triage");
                Assert.Equal("triage", resolved.Id);
                Assert.True(registry.TryResolve("triage", "latest", out _));
            }
        }));
        await Task.WhenAll(writers.Concat(readers));

        Assert.Equal(201, registry.GetVersions("triage").Count);
        Assert.Equal("1.200.0", registry.Resolve("triage", "latest").Version);
        Assert.Contains(registry.GetLabels("triage")["production"], versions);
        Assert.Equal(registry.GetVersions("triage").OrderBy(v => int.Parse(v.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)), registry.GetVersions("triage"));
    }

    [Fact]
    public void AddContract_RegistersIntoTheRegistryWhenItIsCreated_WithLabels()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient())
            .AddContract(Contract("1.0.0"))
            .AddContract(Contract("1.1.0"))
            .SetContractLabel("triage", "production", "1.0.0");
        using ServiceProvider provider = services.BuildServiceProvider();

        IPromptRegistry registry = provider.GetRequiredService<IPromptRegistry>();

        Assert.Same(provider.GetRequiredService<InMemoryPromptRegistry>(), registry);
        Assert.Equal("1.0.0", registry.Resolve("triage").Version);
        Assert.Equal("1.1.0", registry.Resolve("triage", "latest").Version);
    }

    [Fact]
    public void AddContract_RejectsAnInvalidContractImmediately()
    {
        IGovernedAiBuilder builder = new ServiceCollection().AddGovernedAi(_ => new ScriptedChatClient());

        var ex = Assert.Throws<ContractDefinitionException>(() => builder.AddContract(Contract("one")));

        Assert.Contains("'one' is not a semantic version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddContract_ConflictingDefinitions_FailWhenTheRegistryIsResolved()
    {
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient())
            .AddContract(Contract("1.0.0", "one {{question}}"))
            .AddContract(Contract("1.0.0", "two {{question}}"));
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IPromptRegistry>());
    }

    [Fact]
    public void AppRegistry_WinsOverTheBuiltInOne()
    {
        var own = new InMemoryPromptRegistry();
        var services = new ServiceCollection();
        services.AddSingleton<IPromptRegistry>(own);
        services.AddGovernedAi(_ => new ScriptedChatClient());
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Same(own, provider.GetRequiredService<IPromptRegistry>());
    }

    private static PromptContract Contract(string version, string template = "Answer {{question}}") => new()
    {
        Id = "triage",
        Version = version,
        Template = template,
        Inputs = { new ContractInput { Name = "question" } },
    };
}
