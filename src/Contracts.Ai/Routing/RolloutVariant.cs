namespace Contracts.Ai;

/// <summary>One version in a rollout, with its share of traffic and, optionally, the model it runs on.</summary>
public sealed class RolloutVariant
{
    /// <summary>Gets or sets the contract version the variant runs.</summary>
    public string Version { get; set; } = string.Empty;

    /// <summary>Gets or sets the variant's relative weight; weights need not add up to 100.</summary>
    /// <value>Defaults to 0.</value>
    public double Weight { get; set; }

    /// <summary>Gets or sets the variant's name on spans, metrics and the audit.</summary>
    /// <value>Defaults to <see langword="null"/>: the version.</value>
    public string? Name { get; set; }

    /// <summary>Gets or sets the model id the variant runs on (<c>ChatOptions.ModelId</c>).</summary>
    /// <value>Defaults to <see langword="null"/>: the request's model.</value>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the key of the client the variant runs on, among those given to <c>UseVariantClients()</c>.</summary>
    /// <value>Defaults to <see langword="null"/>: the pipeline's own inner client.</value>
    public string? ClientKey { get; set; }
}
