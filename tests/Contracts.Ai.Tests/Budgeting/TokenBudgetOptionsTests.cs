using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Contracts.Ai.Tests.Budgeting.BudgetTestConversation;

namespace Contracts.Ai.Tests.Budgeting;

public class TokenBudgetOptionsTests
{
    [Fact]
    public void Validation_names_each_bad_option_by_its_path()
    {
        var options = new GovernedAiOptions();
        options.TokenBudget.ContextWindowTokens = 0;
        options.TokenBudget.ReservedOutputTokens = -1;
        options.TokenBudget.SafetyMarginTokens = -2;
        options.TokenBudget.ImageTokens = -3;
        options.TokenBudget.DefaultEncoding = "p50k_base";
        options.TokenBudget.OnOverflow = (BudgetOverflowPolicy)7;
        options.TokenBudget.ModelContextWindows["my-model"] = 0;

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:ContextWindowTokens must be positive", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:ReservedOutputTokens must not be negative", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:SafetyMarginTokens must not be negative", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:ImageTokens must not be negative", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:DefaultEncoding must be", StringComparison.Ordinal) && e.Contains("p50k_base", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:OnOverflow must be Trim or Throw", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:ModelContextWindows:my-model must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void A_window_smaller_than_reserved_output_plus_margin_is_refused()
    {
        var options = new GovernedAiOptions();
        options.TokenBudget.ContextWindowTokens = 4000;
        options.TokenBudget.ModelContextWindows["small"] = 4100;

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:ReservedOutputTokens + SafetyMarginTokens (4352) must be less than ContextWindowTokens (4000)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:TokenBudget:ModelContextWindows:small (4100)", StringComparison.Ordinal));
    }

    [Fact]
    public void UseTokenBudget_rejects_invalid_options_when_the_pipeline_is_built()
    {
        var builder = new ChatClientBuilder(Inner());

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => builder.UseTokenBudget(o => o.ReservedOutputTokens = -1));

        Assert.Contains("TokenBudget:ReservedOutputTokens must not be negative", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_bind_from_the_GovernedAi_TokenBudget_section()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GovernedAi:TokenBudget:ModelContextWindows:my-model"] = "32000",
            ["GovernedAi:TokenBudget:OnOverflow"] = "Throw",
            ["GovernedAi:TokenBudget:DefaultEncoding"] = "cl100k_base",
            ["GovernedAi:TokenBudget:TruncateOversizeMessage"] = "true",
            ["GovernedAi:TokenBudget:ReservedOutputTokens"] = "1000",
        }).Build();
        var services = new ServiceCollection().AddSingleton(configuration);
        services.AddGovernedAi(_ => Inner());
        using ServiceProvider provider = services.BuildServiceProvider();

        TokenBudgetOptions options = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.TokenBudget;

        Assert.Equal(32000, options.ModelContextWindows["MY-MODEL"]);
        Assert.Equal(BudgetOverflowPolicy.Throw, options.OnOverflow);
        Assert.Equal("cl100k_base", options.DefaultEncoding);
        Assert.True(options.TruncateOversizeMessage);
        Assert.Equal(1000, options.ReservedOutputTokens);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(new GovernedAiOptions().Validate());
    }

    [Fact]
    public async Task AddGovernedAi_uses_the_counters_the_app_registers_and_the_configured_budget()
    {
        var services = new ServiceCollection();
        var inner = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok")) { ModelId = "acme-llm-7b" };
        services.AddGovernedAi(_ => inner, o =>
            {
                o.TokenBudget.ModelContextWindows["acme-llm-7b"] = 131;
                o.TokenBudget.ReservedOutputTokens = 0;
                o.TokenBudget.SafetyMarginTokens = 0;
            })
            .AddTokenCounter("acme-llm-*", new CharCounter());
        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();

        // By characters: 3 + (3 + 4 + 100) + (3 + 9 + 1) + (3 + 4 + 1) = 131 fits; one more character does not.
        List<ChatMessage> fits = [new(ChatRole.User, new string('a', 100)), new(ChatRole.Assistant, "b"), new(ChatRole.User, "c")];
        List<ChatMessage> tooLong = [new(ChatRole.User, new string('a', 101)), new(ChatRole.Assistant, "b"), new(ChatRole.User, "c")];
        Assert.Equal(3, (await SendAsync(client, inner, fits, null, streaming: false)).Count);
        Assert.Single(await SendAsync(client, inner, tooLong, null, streaming: true));
        Assert.IsType<CharCounter>(provider.GetRequiredService<TokenCounterRegistry>().GetCounter("acme-llm-13b"));
    }

    [Fact]
    public void Registry_prefers_exact_then_longest_prefix_then_known_models_then_the_default()
    {
        var exact = new CharCounter();
        var shortPrefix = new CharCounter();
        var longPrefix = new CharCounter();
        var registry = new TokenCounterRegistry()
            .Register("acme*", shortPrefix)
            .Register("acme-llm*", longPrefix)
            .Register("acme-llm-7b", exact);

        Assert.Same(exact, registry.GetCounter("ACME-LLM-7B"));
        Assert.Same(longPrefix, registry.GetCounter("acme-llm-13b"));
        Assert.Same(shortPrefix, registry.GetCounter("acme-vision"));
        Assert.Same(TiktokenTokenCounter.ForEncoding("cl100k_base"), registry.GetCounter("gpt-4"));
        Assert.Same(TiktokenTokenCounter.ForEncoding("o200k_base"), registry.GetCounter("other"));
        Assert.Same(TiktokenTokenCounter.ForEncoding("cl100k_base"), registry.GetCounter(null, "cl100k_base"));
        Assert.Throws<TokenCounterNotFoundException>(() => registry.GetCounter("other", defaultEncoding: null));
        Assert.Throws<ArgumentException>(() => registry.Register("*", exact));
        Assert.Throws<ArgumentException>(() => registry.Register(" ", exact));
        Assert.Throws<ArgumentNullException>(() => registry.Register("x", null!));
    }

    [Fact]
    public void Pinning_marks_survive_a_storage_round_trip()
    {
        ChatMessage pinned = new ChatMessage(ChatRole.User, "keep me").Pin();
        string json = System.Text.Json.JsonSerializer.Serialize(pinned, AIJsonUtilities.DefaultOptions);
        ChatMessage restored = System.Text.Json.JsonSerializer.Deserialize<ChatMessage>(json, AIJsonUtilities.DefaultOptions)!;

        Assert.True(pinned.IsPinned());
        Assert.True(restored.IsPinned());
        Assert.False(new ChatMessage(ChatRole.User, "not pinned").IsPinned());
        Assert.Throws<ArgumentNullException>(() => ((ChatMessage)null!).Pin());
    }

    [Fact]
    public async Task Truncation_with_a_custom_counter_cuts_at_its_token_boundaries()
    {
        var counters = new TokenCounterRegistry().Register("acme*", new CharCounter());
        var options = Window(200);
        options.TruncateOversizeMessage = true;
        var inner = Inner();
        using var client = new TokenBudgetingChatClient(inner, options, counters);
        string text = string.Concat(Enumerable.Repeat("0123456789", 50));

        IReadOnlyList<ChatMessage> sent = await SendAsync(client, inner, [new ChatMessage(ChatRole.User, text)], new ChatOptions { ModelId = "acme-1" }, streaming: false);

        string cut = Assert.Single(sent).Text;
        Assert.StartsWith("0123456789", cut, StringComparison.Ordinal);
        Assert.EndsWith("0123456789", cut, StringComparison.Ordinal);
        Assert.Contains("tokens truncated", cut, StringComparison.Ordinal);
        Assert.InRange(3 + 3 + 4 + cut.Length, 150, 200);
    }

    private sealed class CharCounter : ITokenCounter
    {
        public string Encoding => "chars";

        public int CountTokens(ReadOnlySpan<char> text) => text.Length;
    }
}
