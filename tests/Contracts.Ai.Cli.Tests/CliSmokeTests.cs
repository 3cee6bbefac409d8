namespace Contracts.Ai.Cli.Tests;

public class CliSmokeTests
{
    [Fact]
    public void Tool_assembly_is_named_after_the_command()
    {
        Assert.Equal("contracts-ai", typeof(Contracts.Ai.Cli.Program).Assembly.GetName().Name);
    }
}
