using System;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;

namespace Contracts.Ai;

/// <summary>Session memory's attribute and metric names, its instruments, and the session hash the audit records.</summary>
internal static class SessionMemoryTelemetry
{
    public const string TurnsLoadedAttribute = "contracts_ai.session.turns_loaded";
    public const string TokensLoadedAttribute = "contracts_ai.session.tokens_loaded";
    public const string TurnsDroppedAttribute = "contracts_ai.session.turns_dropped";
    public const string SummarizedAttribute = "contracts_ai.session.summarized";
    public const string HistorySourceAttribute = "contracts_ai.session.history";
    public const string SessionHashAttribute = "contracts_ai.session.id_hash";

    /// <summary>History came from the store.</summary>
    public const string HistoryStore = "store";

    /// <summary>The request set <c>ChatOptions.ConversationId</c>: the provider holds the conversation, nothing was prepended.</summary>
    public const string HistoryProvider = "provider";

    /// <summary>The store could not be reached and the request went on without history.</summary>
    public const string HistoryUnavailable = "unavailable";

    public static Counter<long> TurnsLoaded { get; } = GovernedAiTelemetry.Meter.CreateCounter<long>(
        "contracts_ai.session.turns_loaded", "{turn}", "Remembered turns added to requests.");

    public static Counter<long> TokensLoaded { get; } = GovernedAiTelemetry.Meter.CreateCounter<long>(
        "contracts_ai.session.tokens_loaded", "{token}", "Tokens of remembered history added to requests.");

    public static Counter<long> TurnsDropped { get; } = GovernedAiTelemetry.Meter.CreateCounter<long>(
        "contracts_ai.session.turns_dropped", "{turn}", "Remembered turns left out of requests to stay within SessionMemoryOptions.MaxTokens.");

    public static Counter<long> TurnsStored { get; } = GovernedAiTelemetry.Meter.CreateCounter<long>(
        "contracts_ai.session.turns_stored", "{turn}", "Turns appended to sessions.");

    public static Counter<long> StoreUnavailable { get; } = GovernedAiTelemetry.Meter.CreateCounter<long>(
        "contracts_ai.session.store_unavailable", "{failure}", "Session store failures, by what happened to the request.");

    /// <summary>A hash of the session scoped by tenant and user, so audit records of one conversation can be grouped without holding its id.</summary>
    public static string Hash(string? tenantId, string? userId, string sessionId)
    {
        string scoped = string.Concat(tenantId?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ":", tenantId, "|", userId?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ":", userId, "|", sessionId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(scoped), hash);
        return Convert.ToHexString(hash[..16]).ToLowerInvariant();
    }
}
