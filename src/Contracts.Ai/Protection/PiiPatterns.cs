using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>
/// Candidate patterns of <see cref="DefaultPiiRecognizer"/>. Each finds shapes cheaply (a literal or a
/// rare character anchors it); <see cref="PiiValidators"/> then decides whether a shape is the real thing.
/// </summary>
internal static partial class PiiPatterns
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])", Options)]
    internal static partial Regex Email();

    [GeneratedRegex(@"(?<![\w+.\-/])(?:\+\d{7,15}(?!\d)|(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?|\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{1,8}){1,6}(?:[ ]?(?i:x|ext\.?|#)[ ]?\d{1,6})?)(?![\w/]|[.-]\d)", Options)]
    internal static partial Regex Phone();

    [GeneratedRegex(@"(?<![\d.\-])\d(?:[ -]?\d){11,18}(?!\d|[.-]\d)", Options)]
    internal static partial Regex CreditCard();

    [GeneratedRegex(@"(?<![\d\-.])\d{3}(?<s>[- .])\d{2}\k<s>\d{4}(?!\d|[-.]\d)", Options)]
    internal static partial Regex UsSsn();

    [GeneratedRegex(@"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)", Options)]
    internal static partial Regex IPv4();

    [GeneratedRegex(@"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}\.\d{1,3}\.\d{1,3})?(?![\w:])", Options)]
    internal static partial Regex IPv6();

    [GeneratedRegex(@"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}(?![a-z0-9])", Options)]
    internal static partial Regex Iban();

    [GeneratedRegex(@"\b(?:(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255}|glpat-[A-Za-z0-9_-]{20,}|sk-(?:ant-(?:api|admin)\d{2}-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])", Options)]
    internal static partial Regex ApiKey();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", Options)]
    internal static partial Regex Jwt();

    [GeneratedRegex(@"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,65536}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----", Options)]
    internal static partial Regex PrivateKey();

    [GeneratedRegex(@"(?<![\w])(?i:password|pwd|passwd|accountkey|sharedaccesskey|client_secret|clientsecret)\s*=\s*(?:""(?<v>[^""\r\n]+)""|'(?<v>[^'\r\n]+)'|(?<v>[^;\s""'&]+))", Options)]
    internal static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@]{1,64}:(?<v>[^\s:/@]{1,128})@[\w.-]+", Options)]
    internal static partial Regex UrlPassword();
}
