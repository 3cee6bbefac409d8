using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// Moves traffic off a version whose <see cref="PromptContract.DeprecatedAfter"/> has passed to its
/// <see cref="PromptContract.ReplacedBy"/>, with a warning (once per version) and a metric (every call).
/// </summary>
internal sealed partial class DeprecatedVersions
{
    // A chain longer than this is a configuration loop, not a migration path.
    private const int MaxHops = 8;

    private readonly IPromptRegistry _registry;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string ContractId, string Version), byte> _warned = new();

    public DeprecatedVersions(IPromptRegistry registry, TimeProvider timeProvider, ILogger logger)
    {
        _registry = registry;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Follows <see cref="PromptContract.ReplacedBy"/> from <paramref name="version"/> while the version is past its deprecation date and its replacement is registered.</summary>
    /// <returns>The version to serve: <paramref name="version"/> itself when it is not deprecated.</returns>
    public string Follow(string contractId, string version)
    {
        string current = version;
        DateTimeOffset now = default;
        for (int hop = 0; hop < MaxHops; hop++)
        {
            if (TryResolve(contractId, current) is not { DeprecatedAfter: DateTimeOffset after, ReplacedBy: { } next })
            {
                break;
            }

            if (now == default)
            {
                now = _timeProvider.GetUtcNow();
            }

            if (now < after || TryResolve(contractId, next) is null)
            {
                break;
            }

            if (_warned.TryAdd((contractId, current), 0))
            {
                LogDeprecationShift(_logger, contractId, current, after, next);
            }

            RoutingTelemetry.RecordDeprecationShift(contractId, current, next);
            current = next;
        }

        return current;
    }

    /// <summary>Gets a value indicating whether the registry may hold a deprecated version; the built-in registry knows when it holds none.</summary>
    public bool MayHoldDeprecated => _registry is not InMemoryPromptRegistry builtIn || builtIn.HoldsDeprecated;

    /// <summary>Resolves a version or label, or <see langword="null"/> when the registry has none.</summary>
    public PromptContract? TryResolve(string contractId, string? versionOrLabel)
    {
        if (_registry is InMemoryPromptRegistry builtIn)
        {
            return builtIn.TryResolve(contractId, versionOrLabel, out PromptContract? found) ? found : null;
        }

        try
        {
            return _registry.Resolve(contractId, versionOrLabel);
        }
        catch (Exception ex) when (ex is ContractNotFoundException or KeyNotFoundException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "Contract {ContractId} version {Version} is deprecated since {DeprecatedAfter:O}; its label and rollout traffic moves to version {ReplacedBy}.")]
    private static partial void LogDeprecationShift(ILogger logger, string contractId, string version, DateTimeOffset deprecatedAfter, string replacedBy);
}
