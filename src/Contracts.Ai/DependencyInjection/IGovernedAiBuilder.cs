using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

/// <summary>Returned by <c>AddGovernedAi()</c>, to add contracts, stores and other governed-AI services.</summary>
public interface IGovernedAiBuilder
{
    /// <summary>Gets the service collection the governed pipeline is registered in.</summary>
    IServiceCollection Services { get; }
}
