using System;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>
/// The one place prompt text, tool arguments and results pass through before they may appear in
/// spans or logs (only when <see cref="GovernedAiOptions.EnableSensitiveData"/> is on): personal data
/// is replaced by its entity type, such as <c>&lt;EMAIL_ADDRESS&gt;</c>.
/// </summary>
/// <remarks>Thread-safe and stateless.</remarks>
internal static partial class SensitiveDataRedactor
{
    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        try
        {
            string redacted = EmailPattern().Replace(text, "<EMAIL_ADDRESS>");
            redacted = IpAddressPattern().Replace(redacted, "<IP_ADDRESS>");
            return DigitRunPattern().Replace(redacted, "<NUMBER>");
        }
        catch (RegexMatchTimeoutException)
        {
            // Fail closed: text that cannot be scanned in time is not shown at all.
            return "<REDACTED>";
        }
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\b(?:\d{1,3}\.){3}\d{1,3}\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex IpAddressPattern();

    // Card, phone, account and national id numbers: seven or more digits, possibly grouped by spaces, dots or dashes.
    [GeneratedRegex(@"\+?\d(?:[ .\-]?\d){6,}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex DigitRunPattern();
}
