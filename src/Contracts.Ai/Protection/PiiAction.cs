namespace Contracts.Ai;

/// <summary>What data protection does with personal data or a secret it finds.</summary>
public enum PiiAction
{
    /// <summary>Leave the value as it is.</summary>
    Allow,

    /// <summary>Replace the value, in the policy's <see cref="RedactionStyle"/>.</summary>
    Redact,

    /// <summary>Stop the call with an <see cref="UnsafeContentException"/> that names the entity types, never the values.</summary>
    Block,
}
