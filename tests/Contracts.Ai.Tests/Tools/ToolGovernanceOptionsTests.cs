using Contracts.Ai;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.Tools;

public class ToolGovernanceOptionsTests
{
    [Fact]
    public void Options_bind_from_the_GovernedAi_Tools_section()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GovernedAi:Tools:OnRejection"] = "Throw",
            ["GovernedAi:Tools:DefaultTimeout"] = "00:00:05",
            ["GovernedAi:Tools:MaxOutputBytes"] = "2048",
            ["GovernedAi:Tools:RejectUnknownArguments"] = "false",
            ["GovernedAi:Tools:SafeToRetryTools:0"] = "get_order",
            ["GovernedAi:Tools:IdempotentTools:0"] = "refund_order",
            ["GovernedAi:Tools:HighRiskTools:0"] = "delete_account",
            ["GovernedAi:Tools:RequireApprovalForHighRiskTools"] = "true",
        }).Build();
        var services = new ServiceCollection().AddSingleton(configuration);
        services.AddGovernedAi();
        using ServiceProvider provider = services.BuildServiceProvider();

        ToolGovernanceOptions tools = provider.GetRequiredService<IOptions<GovernedAiOptions>>().Value.Tools;

        Assert.Equal(ToolRejectionPolicy.Throw, tools.OnRejection);
        Assert.Equal(TimeSpan.FromSeconds(5), tools.DefaultTimeout);
        Assert.Equal(2048, tools.MaxOutputBytes);
        Assert.False(tools.RejectUnknownArguments);
        Assert.Equal(["get_order"], tools.SafeToRetryTools);
        Assert.Equal(["refund_order"], tools.IdempotentTools);
        Assert.Equal(["delete_account"], tools.HighRiskTools);
        Assert.True(tools.RequireApprovalForHighRiskTools);
    }

    [Fact]
    public void Invalid_options_are_reported_by_their_configuration_path()
    {
        var options = new GovernedAiOptions();
        options.Tools.DefaultTimeout = TimeSpan.Zero;
        options.Tools.MaxOutputBytes = -1;
        options.Tools.MaxRetryAttempts = 50;
        options.Tools.RetryDelay = TimeSpan.FromSeconds(-1);
        options.Tools.OnRejection = (ToolRejectionPolicy)7;

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Tools:DefaultTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Tools:MaxOutputBytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Tools:MaxRetryAttempts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Tools:RetryDelay", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("GovernedAi:Tools:OnRejection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tools_named_in_the_options_are_retried_and_capped()
    {
        int calls = 0;
        Microsoft.Extensions.AI.AIFunction flaky = Microsoft.Extensions.AI.AIFunctionFactory.Create(
            () => ++calls < 3 ? throw new IOException("reset") : "ok", "get_order");
        var model = new global::Contracts.Ai.Testing.ScriptedChatClient(
            global::Contracts.Ai.Testing.ScriptedTurn.CallTool("get_order"),
            global::Contracts.Ai.Testing.ScriptedTurn.Reply("done"));
        using Microsoft.Extensions.AI.IChatClient client = ToolGovernanceChatClientTests.Pipeline(model, o =>
        {
            o.SafeToRetryTools.Add("get_order");
            o.MaxRetryAttempts = 2;
            o.RetryDelay = TimeSpan.Zero;
        });

        await Microsoft.Extensions.AI.ChatClientExtensions.GetResponseAsync(client, "hi", new Microsoft.Extensions.AI.ChatOptions { Tools = [flaky] });

        Assert.Equal(3, calls);
        Assert.Equal("ok", ToolTestData.Text(ToolGovernanceChatClientTests.ToolResults(model.Requests[1]).Single().Result).Trim('"'));
    }
}
