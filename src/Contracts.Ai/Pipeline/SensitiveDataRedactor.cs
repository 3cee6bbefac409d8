using System;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>
/// The one place prompt text, tool arguments and results pass through before they may appear in
/// spans or logs (only when <see cref="GovernedAiOptions.EnableSensitiveData"/> is on): the app's
/// <see cref="PiiRedactor"/> applies its <see cref="DataDirection.Telemetry"/> policy, so personal
/// data and secrets become placeholders such as <c>[EMAIL]</c>.
/// </summary>
/// <remarks>Thread-safe. Text the policy blocks, or that cannot be scanned in time, is replaced whole: it fails closed.</remarks>
internal sealed class SensitiveDataRedactor(PiiRedactor redactor)
{
    internal const string Withheld = "[REDACTED]";

    public string Redact(string? text, string? contractId)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        try
        {
            return redactor.Redact(text, DataDirection.Telemetry, contractId);
        }
        catch (UnsafeContentException)
        {
            return Withheld;
        }
        catch (RegexMatchTimeoutException)
        {
            return Withheld;
        }
    }
}
