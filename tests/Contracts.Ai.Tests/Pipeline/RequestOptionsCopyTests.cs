using System.Reflection;
using System.Text.Json;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Audit;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Tests.Pipeline;

/// <summary>
/// The copy of a request's options the governed pipeline makes (once to take its own entries off, once to hand the model
/// declarations): everything the caller set reaches the model, nothing of the caller's changes, and the call's governance
/// context is the caller's until code outside the stages asks for it.
/// </summary>
public class RequestOptionsCopyTests
{
    private static readonly PromptContract Agent = new()
    {
        Id = "copy.agent",
        Version = "1.0.0",
        Template = "You answer for {{product}}.",
        Inputs = [new ContractInput { Name = "product" }],
    };

    [Fact]
    public void The_member_by_member_copy_runs_for_this_version_of_ChatOptions()
    {
        // If a new MEAI version adds a member to ChatOptions, the copy falls back to Clone() (nothing is dropped) and this
        // test says the known members need the new one.
        Assert.True(ChatOptionsCopy.CopiesEveryMember);
    }

    [Fact]
    public void A_copy_equals_Clone_on_every_member_but_the_tools_and_extra_properties_given()
    {
        ChatOptions options = FullOptions();
        var tools = new List<AITool> { AIFunctionFactory.Create(() => "x", "given") };
        var extra = new AdditionalPropertiesDictionary { ["kept"] = 1 };

        ChatOptions copy = ChatOptionsCopy.With(options, tools, extra);
        ChatOptions clone = options.Clone();

        Assert.IsType<ChatOptions>(copy);
        Assert.Same(tools, copy.Tools);
        Assert.Same(extra, copy.AdditionalProperties);
        foreach (PropertyInfo property in typeof(ChatOptions).GetProperties())
        {
            if (property.Name is nameof(ChatOptions.Tools) or nameof(ChatOptions.AdditionalProperties))
            {
                continue;
            }

            object? copied = property.GetValue(copy);
            object? cloned = property.GetValue(clone);
            Assert.True(copied is not null, $"{property.Name} was not copied.");
            Assert.Equal(Describe(cloned), Describe(copied));

            // What Clone() copies (the stop sequences, the reasoning options) is copied, not shared with the caller's.
            Assert.Equal(ReferenceEquals(cloned, property.GetValue(options)), ReferenceEquals(copied, property.GetValue(options)));
        }
    }

    [Fact]
    public void Options_of_a_derived_type_are_copied_with_their_own_Clone()
    {
        var options = new VendorChatOptions { Temperature = 0.5f, VendorSetting = "keep me" };

        ChatOptions copy = ChatOptionsCopy.With(options, null, null);

        VendorChatOptions vendor = Assert.IsType<VendorChatOptions>(copy);
        Assert.Equal("keep me", vendor.VendorSetting);
        Assert.Equal(0.5f, vendor.Temperature);
        Assert.Null(vendor.AdditionalProperties);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_member_the_caller_set_reaches_the_model_and_the_callers_options_stay_as_they_were(bool streaming)
    {
        var provider = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider services = GovernedOverAppLoop(provider);
        IChatClient client = services.GetRequiredService<IChatClient>();
        ChatOptions options = FullOptions().WithContract(Agent.Id, new Dictionary<string, object?> { ["product"] = "Contoso" }).WithTenant("tenant-1");
        options.Tools = [AIFunctionFactory.Create((string id) => "order " + id, "lookup")];
        options.ToolMode = ChatToolMode.Auto;
        IList<AITool> callersTools = options.Tools;
        string before = Snapshot(options);

        await client.AskAsync("hello", options, streaming);

        ChatOptions sent = Assert.Single(provider.Requests).Options!;
        ChatOptions expected = FullOptions();
        Assert.Equal(expected.Temperature, sent.Temperature);
        Assert.Equal(expected.TopP, sent.TopP);
        Assert.Equal(expected.TopK, sent.TopK);
        Assert.Equal(expected.Seed, sent.Seed);
        Assert.Equal(expected.MaxOutputTokens, sent.MaxOutputTokens);
        Assert.Equal(expected.FrequencyPenalty, sent.FrequencyPenalty);
        Assert.Equal(expected.PresencePenalty, sent.PresencePenalty);
        Assert.Equal(expected.ModelId, sent.ModelId);
        Assert.Equal(expected.ConversationId, sent.ConversationId);
        Assert.Equal(expected.StopSequences, sent.StopSequences);
        Assert.Equal(expected.Reasoning!.Effort, sent.Reasoning!.Effort);
        Assert.Equal(expected.AllowMultipleToolCalls, sent.AllowMultipleToolCalls);
        Assert.Same(expected.RawRepresentationFactory, sent.RawRepresentationFactory);
        Assert.StartsWith("You answer for Contoso.", sent.Instructions, StringComparison.Ordinal);
        Assert.EndsWith("Be brief.", sent.Instructions, StringComparison.Ordinal);

        // The app's own extra property goes on; the pipeline's entries never reach the model.
        Assert.Equal("vendor-value", sent.AdditionalProperties!["vendor_flag"]);
        Assert.DoesNotContain(sent.AdditionalProperties.Keys, k => k.StartsWith(GovernanceOptions.KeyPrefix, StringComparison.Ordinal));
        Assert.Equal("lookup", Assert.Single(sent.Tools!).Name);

        // The caller's options: the same members, tool list and tools, governance entry and context as before the call.
        Assert.Equal(before, Snapshot(options));
        Assert.Same(callersTools, options.Tools);
        Assert.IsAssignableFrom<AIFunction>(Assert.Single(options.Tools!));
        Assert.Equal(Agent.Id, options.GetGovernanceContext()!.ContractId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_source_added_during_the_call_reaches_its_audit_and_never_the_callers_context(bool streaming)
    {
        var provider = new ScriptedChatClient(_ =>
        {
            // Code below the pipeline (here the model) reads the call's context and records a retrieved document in it.
            GovernanceContext context = GovernanceContext.Current!;
            Assert.Equal("tenant-1", context.TenantId);
            context.ContextSources.Add(new ContextSource("doc-" + context.ContextSources.Count));
            return ScriptedTurn.Reply("ok");
        });
        var sink = new DecisionAuditTests.CollectingSink();
        var collection = new ServiceCollection();
        collection.AddChatClient(provider).UseFunctionInvocation();
        collection.AddGovernedAi().AddContract(Agent).AddAuditSink(sink);
        using ServiceProvider services = collection.BuildServiceProvider();
        IChatClient client = services.GetRequiredService<IChatClient>();
        ChatOptions options = new ChatOptions()
            .WithContract(Agent.Id, new Dictionary<string, object?> { ["product"] = "Contoso" })
            .WithTenant("tenant-1")
            .WithContextSource(new ContextSource("caller-doc"));

        await client.AskAsync("first", options, streaming);
        await client.AskAsync("second", options, streaming);

        // Each call saw the caller's source and added one of its own; the reused options never gathered the calls' sources.
        Assert.Equal(2, sink.Records.Count);
        Assert.All(sink.Records, r => Assert.Equal(["caller-doc", "doc-1"], r.ContextSources.Select(s => s.Id)));
        Assert.Equal(["caller-doc"], options.GetGovernanceContext()!.ContextSources.Select(s => s.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_nothing_observes_leaves_no_call_state_behind_in_the_caller(bool streaming)
    {
        GovernanceContext? inside = null;
        var provider = new ScriptedChatClient(_ =>
        {
            inside = GovernanceContext.Current;
            return ScriptedTurn.Reply("ok");
        });
        using ServiceProvider services = GovernedOverAppLoop(provider);
        IChatClient client = services.GetRequiredService<IChatClient>();

        await client.AskAsync("hello", new ChatOptions().WithContract(Agent.Id, new Dictionary<string, object?> { ["product"] = "Contoso" }), streaming);

        Assert.Equal(Agent.Id, inside?.ContractId);
        Assert.Null(GovernanceContext.Current);
        Assert.Null(GovernedCall.Current);
    }

    [Fact]
    public async Task A_request_cancelled_before_it_starts_ends_cancelled_and_the_model_is_never_called()
    {
        var provider = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider services = GovernedOverAppLoop(provider);
        IChatClient client = services.GetRequiredService<IChatClient>();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Task<ChatResponse> call = client.GetResponseAsync("hello", new ChatOptions().WithContract(Agent.Id, new Dictionary<string, object?> { ["product"] = "Contoso" }), cancelled.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(call.IsCanceled);
        Assert.Empty(provider.Requests);
        Assert.Null(GovernedCall.Current);
    }

    [Fact]
    public async Task An_unknown_contract_fails_the_returned_task_and_leaves_no_call_state_behind()
    {
        var provider = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider services = GovernedOverAppLoop(provider);
        IChatClient client = services.GetRequiredService<IChatClient>();

        Task<ChatResponse> call = client.GetResponseAsync("hello", new ChatOptions().WithContract("no.such.contract"));

        ContractNotFoundException error = await Assert.ThrowsAsync<ContractNotFoundException>(() => call);
        Assert.Contains("no.such.contract", error.Message, StringComparison.Ordinal);
        Assert.Empty(provider.Requests);
        Assert.Null(GovernedCall.Current);
    }

    private static ChatOptions FullOptions()
    {
        Func<IChatClient, object?> raw = _ => null;
#pragma warning disable MEAI001 // Background responses are experimental; set here only to prove they are copied.
        return new ChatOptions
        {
            ConversationId = "conv-1",
            Instructions = "Be brief.",
            Temperature = 0.25f,
            MaxOutputTokens = 321,
            TopP = 0.9f,
            TopK = 40,
            FrequencyPenalty = 0.1f,
            PresencePenalty = 0.2f,
            Seed = 42,
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.High, Output = ReasoningOutput.Summary },
            ResponseFormat = ChatResponseFormat.Text,
            ModelId = "model-x",
            StopSequences = ["STOP"],
            AllowMultipleToolCalls = true,
            ToolMode = ChatToolMode.None,
            Tools = [],
            AllowBackgroundResponses = true,
            ContinuationToken = ResponseContinuationToken.FromBytes(new byte[] { 1, 2, 3 }),
            RawRepresentationFactory = raw,
            AdditionalProperties = new AdditionalPropertiesDictionary { ["vendor_flag"] = "vendor-value" },
        };
#pragma warning restore MEAI001
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string or ValueType => value.ToString()!,
        IEnumerable<string> items => string.Join("|", items),
        ReasoningOptions reasoning => $"{reasoning.Effort}/{reasoning.Output}",
        _ => value.GetType().FullName + "#" + (value is Delegate ? value.GetHashCode() : JsonSerializer.Serialize(value, value.GetType(), AIJsonUtilities.DefaultOptions)),
    };

    private static string Snapshot(ChatOptions options) =>
        string.Join(
            ";",
            typeof(ChatOptions).GetProperties().Select(p => p.Name + "=" + (p.GetValue(options) switch
            {
                IEnumerable<KeyValuePair<string, object?>> entries => string.Join(",", entries.Select(e => e.Key + ":" + RuntimeHelpersId(e.Value))),
                IEnumerable<AITool> tools => string.Join(",", tools.Select(t => t.Name + ":" + RuntimeHelpersId(t))),
                object value => Describe(value),
                null => "null",
            })));

    private static string RuntimeHelpersId(object? value) => value is null ? "null" : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(value).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static ServiceProvider GovernedOverAppLoop(ScriptedChatClient provider)
    {
        var services = new ServiceCollection();
        services.AddChatClient(provider).UseFunctionInvocation();
        services.AddGovernedAi().AddContract(Agent);
        return services.BuildServiceProvider();
    }

    private sealed class VendorChatOptions : ChatOptions
    {
        public VendorChatOptions()
        {
        }

        private VendorChatOptions(VendorChatOptions other)
            : base(other)
        {
            VendorSetting = other.VendorSetting;
        }

        public string? VendorSetting { get; set; }

        public override ChatOptions Clone() => new VendorChatOptions(this);
    }
}
