using System.Collections.Concurrent;
using Contracts.Ai;

namespace Contracts.Ai.SupportDesk;

/// <summary>
/// Which routes' prompt contracts (from prompts/) are registered: a route whose contract is not
/// registered runs without one (still traced, budgeted and audited).
/// </summary>
internal sealed class RouteContracts(IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, bool> _registered = new();

    public bool IsRegistered(string contractId) => _registered.GetOrAdd(contractId, Resolve);

    private bool Resolve(string contractId)
    {
        if (services.GetService(typeof(IPromptRegistry)) is not IPromptRegistry registry)
        {
            return false;
        }

        try
        {
            registry.Resolve(contractId);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
