using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai;

internal sealed class GovernedAiBuilder(IServiceCollection services) : IGovernedAiBuilder
{
    public IServiceCollection Services { get; } = services;
}
