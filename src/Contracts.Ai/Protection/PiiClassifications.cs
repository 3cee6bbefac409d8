using System;
using Microsoft.Extensions.Compliance.Classification;

namespace Contracts.Ai;

/// <summary>
/// Data classifications for the entity types data protection finds, so an app's
/// <c>Microsoft.Extensions.Compliance.Redaction</c> setup decides how each type is redacted
/// (<see cref="RedactionStyle.Redactor"/>), for example
/// <c>services.AddRedaction(r =&gt; r.SetHmacRedactor(o =&gt; ..., PiiClassifications.For(PiiEntityTypes.EmailAddress)))</c>.
/// </summary>
public static class PiiClassifications
{
    /// <summary>The taxonomy name of the classifications: <c>Contracts.Ai.Pii</c>.</summary>
    public const string TaxonomyName = "Contracts.Ai.Pii";

    /// <summary>Gets the classification of <paramref name="entityType"/>.</summary>
    /// <param name="entityType">An entity type, such as <see cref="PiiEntityTypes.EmailAddress"/>.</param>
    /// <returns>The classification, with the entity type as its value.</returns>
    /// <exception cref="ArgumentException"><paramref name="entityType"/> is null, empty or white space.</exception>
    public static DataClassification For(string entityType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entityType);
        return new DataClassification(TaxonomyName, entityType);
    }
}
