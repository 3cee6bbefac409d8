namespace Contracts.Ai;

/// <summary>
/// The entity types <see cref="DefaultPiiRecognizer"/> finds. Personal data types carry Presidio's
/// names, so policies written for Presidio read the same here; secret types are our own.
/// </summary>
public static class PiiEntityTypes
{
    /// <summary>An email address.</summary>
    public const string EmailAddress = "EMAIL_ADDRESS";

    /// <summary>A phone number, in international or national format.</summary>
    public const string PhoneNumber = "PHONE_NUMBER";

    /// <summary>A payment card number that passes the Luhn check and has a known issuer prefix.</summary>
    public const string CreditCard = "CREDIT_CARD";

    /// <summary>An international bank account number with a valid country length and mod-97 checksum.</summary>
    public const string IbanCode = "IBAN_CODE";

    /// <summary>A US social security number outside the ranges never issued.</summary>
    public const string UsSsn = "US_SSN";

    /// <summary>An IPv4 or IPv6 address.</summary>
    public const string IpAddress = "IP_ADDRESS";

    /// <summary>An API key or access token of a major provider (OpenAI, Anthropic, AWS, GitHub, Google, Slack, Stripe).</summary>
    public const string ApiKey = "API_KEY";

    /// <summary>A JSON web token.</summary>
    public const string Jwt = "JWT";

    /// <summary>A PEM private key block.</summary>
    public const string PrivateKey = "PRIVATE_KEY";

    /// <summary>A password inside a connection string or a URL.</summary>
    public const string Password = "PASSWORD";

    /// <summary>Gets the placeholder that replaces an entity of <paramref name="entityType"/> under the placeholder redaction style, such as <c>[EMAIL]</c>.</summary>
    /// <param name="entityType">The entity type.</param>
    /// <returns>The placeholder.</returns>
    public static string GetPlaceholder(string entityType) => entityType switch
    {
        EmailAddress => "[EMAIL]",
        PhoneNumber => "[PHONE]",
        CreditCard => "[CREDIT_CARD]",
        IbanCode => "[IBAN]",
        UsSsn => "[US_SSN]",
        IpAddress => "[IP_ADDRESS]",
        ApiKey => "[API_KEY]",
        Jwt => "[JWT]",
        PrivateKey => "[PRIVATE_KEY]",
        Password => "[PASSWORD]",
        null => "[REDACTED]",
        _ => "[" + entityType + "]",
    };

    internal static bool IsSecret(string entityType) =>
        entityType is ApiKey or Jwt or PrivateKey or Password;
}
