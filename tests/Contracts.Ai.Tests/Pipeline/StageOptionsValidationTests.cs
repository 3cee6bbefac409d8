using System;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Contracts.Ai.Tests.Pipeline;

public class StageOptionsValidationTests
{
    [Fact]
    public void UseToolGovernance_rejects_invalid_options_when_the_pipeline_is_described()
    {
        var builder = new ChatClientBuilder(new ScriptedChatClient());

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => builder.UseToolGovernance(o => o.MaxOutputTokens = 0));

        Assert.Contains("GovernedAi:Tools:MaxOutputTokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseDataProtection_rejects_invalid_options_when_the_pipeline_is_described()
    {
        var builder = new ChatClientBuilder(new ScriptedChatClient());

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => builder.UseDataProtection(o => o.Policy = null!));

        Assert.Contains("GovernedAi:DataProtection:Policy must not be null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsePromptRouting_rejects_invalid_options_when_the_pipeline_is_described()
    {
        var builder = new ChatClientBuilder(new ScriptedChatClient());

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => builder.UsePromptRouting(o => o.StateRefreshInterval = TimeSpan.Zero));

        Assert.Contains("GovernedAi:Routing:StateRefreshInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_options_build_the_stage()
    {
        using IChatClient client = new ChatClientBuilder(new ScriptedChatClient())
            .UseToolGovernance(o => o.MaxOutputTokens = 100)
            .UseDataProtection(_ => { })
            .UsePromptRouting(o => o.MaxConcurrentShadowCalls = 2)
            .Build();

        Assert.NotNull(client.GetService<ToolGovernanceChatClient>());
        Assert.NotNull(client.GetService<DataProtectionChatClient>());
        Assert.NotNull(client.GetService<PromptRoutingChatClient>());
    }
}
