using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests;

public class GovernanceChatOptionsExtensionsTests
{
    [Fact]
    public void Extensions_fill_one_context_that_every_stage_reads()
    {
        var inputs = new { customer = "Ada" };
        var options = new ChatOptions()
            .WithContract("support.reply", inputs)
            .WithTenant("acme", "u-7")
            .WithIdempotencyKey("req-1")
            .WithContextSource(new ContextSource("kb-42", "kb://returns"));

        GovernanceContext context = Assert.IsType<GovernanceContext>(options.AdditionalProperties![GovernanceContext.PropertyKey]);
        Assert.Same(context, options.GetGovernanceContext());
        Assert.Equal("support.reply", context.ContractId);
        Assert.Same(inputs, context.Inputs);
        Assert.Null(context.ContractVersion);
        Assert.Equal("acme", context.TenantId);
        Assert.Equal("u-7", context.UserId);
        Assert.Equal("req-1", context.IdempotencyKey);
        Assert.Equal("kb-42", Assert.Single(context.ContextSources).Id);
    }

    [Fact]
    public void A_contract_version_or_label_can_be_pinned()
    {
        var options = new ChatOptions().WithContract("support.reply", "canary", inputs: null);

        Assert.Equal("canary", options.GetGovernanceContext()!.ContractVersion);
    }

    [Fact]
    public void A_clone_gets_an_independent_request_context()
    {
        var options = new ChatOptions().WithContract("support.reply", new { customer = "Ada" }).WithTenant("acme", "u-1");
        options.WithContextSource(new ContextSource("kb-1", "kb"));

        ChatOptions clone = options.Clone();
        clone.WithTenant("globex");
        clone.GetGovernanceContext()!.ContextSources.Add(new ContextSource("kb-2", "kb"));

        GovernanceContext original = options.GetGovernanceContext()!;
        GovernanceContext copy = clone.GetGovernanceContext()!;
        Assert.NotSame(original, copy);
        Assert.Equal("acme", original.TenantId);
        Assert.Equal("globex", copy.TenantId);
        Assert.Equal("support.reply", copy.ContractId);
        Assert.Single(original.ContextSources);
        Assert.Equal(2, copy.ContextSources.Count);

        // The original keeps its own context: changing it again does not reach the clone.
        options.WithIdempotencyKey("k-1");
        Assert.Null(clone.GetGovernanceContext()!.IdempotencyKey);
    }

    [Fact]
    public void Options_without_a_context_read_as_null()
    {
        Assert.Null(((ChatOptions?)null).GetGovernanceContext());
        Assert.Null(new ChatOptions().GetGovernanceContext());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Blank_ids_are_rejected(string? value)
    {
        var options = new ChatOptions();

        Assert.ThrowsAny<ArgumentException>(() => options.WithContract(value!));
        Assert.ThrowsAny<ArgumentException>(() => options.WithTenant(value!));
        Assert.ThrowsAny<ArgumentException>(() => options.WithIdempotencyKey(value!));
        Assert.Null(options.GetGovernanceContext());
    }

    [Fact]
    public void Null_options_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => ((ChatOptions)null!).WithContract("c"));
        Assert.Throws<ArgumentNullException>(() => ((ChatOptions)null!).WithTenant("t"));
        Assert.Throws<ArgumentNullException>(() => ((ChatOptions)null!).WithIdempotencyKey("k"));
    }
}
