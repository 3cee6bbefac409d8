namespace Contracts.Ai;

/// <summary>How a redacted value is replaced.</summary>
public enum RedactionStyle
{
    /// <summary>A typed placeholder such as <c>[EMAIL]</c> (<see cref="PiiEntityTypes.GetPlaceholder"/>).</summary>
    Placeholder,

    /// <summary>
    /// A stable keyed hash such as <c>[EMAIL:3F9A0C1D2B7E4A55]</c> (HMAC-SHA256 with
    /// <see cref="DataProtectionOptions.HashKey"/>), so the same value maps to the same token and the
    /// model can still tell two values apart.
    /// </summary>
    KeyedHash,

    /// <summary>
    /// The app's <c>Microsoft.Extensions.Compliance.Redaction</c> redactor for the entity's data
    /// classification (<see cref="PiiClassifications"/>), from the registered <c>IRedactorProvider</c>;
    /// a typed placeholder when no provider is registered.
    /// </summary>
    Redactor,
}
