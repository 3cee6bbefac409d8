namespace Contracts.Ai;

/// <summary>The labels an <see cref="IPromptRegistry"/> gives meaning to.</summary>
public static class PromptLabels
{
    /// <summary>The label a request without a version resolves first: <c>production</c>. Point it with <see cref="IPromptRegistry.SetLabel"/>.</summary>
    public const string Production = "production";

    /// <summary>The label the registry keeps on the highest registered version: <c>latest</c>. It cannot be set by hand.</summary>
    public const string Latest = "latest";
}
