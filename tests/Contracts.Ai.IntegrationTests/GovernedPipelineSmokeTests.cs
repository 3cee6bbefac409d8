using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.IntegrationTests;

public class GovernedPipelineSmokeTests
{
    [Fact]
    public async Task Governed_pipeline_returns_the_inner_answer()
    {
        using IChatClient client = new ChatClientBuilder(new ScriptedChatClient(ScriptedTurn.Reply("hello"))).UseGovernedAi().Build();

        ChatResponse response = await client.GetResponseAsync("hi");

        Assert.Equal("hello", response.Text);
    }
}
