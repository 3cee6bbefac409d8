using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>
/// The built-in recognizers: email addresses, phone numbers (international and national formats, with
/// extensions), payment cards of every major brand (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay,
/// Maestro; Luhn), IBANs (mod-97),
/// US SSNs, IPv4/IPv6 addresses and secrets (provider API keys, JWTs, private keys, passwords in
/// connection strings and URLs). Every candidate is validated, not only matched.
/// </summary>
/// <remarks>
/// Each pattern is a source-generated regex anchored on a literal or a rare character, and a cheap
/// vectorized prefilter skips the numeric, email and IPv6 patterns on text without digits, <c>@</c>
/// or <c>:</c>. Where matches overlap, the more specific type wins (secrets, then email, IBAN, card,
/// SSN, IP, phone). Instances are immutable and safe to use concurrently.
/// </remarks>
public sealed class DefaultPiiRecognizer : IPiiRecognizer
{
    private static readonly string[] AllTypes =
    [
        PiiEntityTypes.PrivateKey, PiiEntityTypes.Jwt, PiiEntityTypes.ApiKey, PiiEntityTypes.Password,
        PiiEntityTypes.EmailAddress, PiiEntityTypes.IbanCode, PiiEntityTypes.CreditCard, PiiEntityTypes.UsSsn,
        PiiEntityTypes.IpAddress, PiiEntityTypes.PhoneNumber,
    ];

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    // Characters numbers (cards, phones, SSNs, IPs, IBANs) are written with; a run of them around a digit is one candidate window.
    private static readonly SearchValues<char> NumberChars = SearchValues.Create("0123456789 .-()+#xetABCDEFGHIJKLMNOPQRSTUVWXYZ");

    private static readonly Anchors JwtAnchor = new(false, "eyJ");
    private static readonly SearchValues<char> LocalPartChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-");
    private static readonly Anchors UrlAnchor = new(false, "://");
    private static readonly Anchors PasswordAnchors = new(true, "password", "pwd", "passwd", "accountkey", "sharedaccesskey", "client_secret", "clientsecret");
    private static readonly Anchors ApiKeyAnchors = new(
        false, "AKIA", "ASIA", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "sk-", "sk_live_", "sk_test_",
        "rk_live_", "rk_test_", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "AIza");

    private readonly bool _email, _phone, _card, _iban, _ssn, _ip, _apiKey, _jwt, _privateKey, _password;

    /// <summary>Initializes a new instance of the <see cref="DefaultPiiRecognizer"/> class with every built-in recognizer.</summary>
    public DefaultPiiRecognizer()
        : this(AllTypes)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DefaultPiiRecognizer"/> class with the recognizers of some entity types only.</summary>
    /// <param name="entityTypes">The entity types to find, from <see cref="PiiEntityTypes"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="entityTypes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An entity type has no built-in recognizer.</exception>
    public DefaultPiiRecognizer(IEnumerable<string> entityTypes)
    {
        ArgumentNullException.ThrowIfNull(entityTypes);
        foreach (string type in entityTypes)
        {
            switch (type)
            {
                case PiiEntityTypes.EmailAddress: _email = true; break;
                case PiiEntityTypes.PhoneNumber: _phone = true; break;
                case PiiEntityTypes.CreditCard: _card = true; break;
                case PiiEntityTypes.IbanCode: _iban = true; break;
                case PiiEntityTypes.UsSsn: _ssn = true; break;
                case PiiEntityTypes.IpAddress: _ip = true; break;
                case PiiEntityTypes.ApiKey: _apiKey = true; break;
                case PiiEntityTypes.Jwt: _jwt = true; break;
                case PiiEntityTypes.PrivateKey: _privateKey = true; break;
                case PiiEntityTypes.Password: _password = true; break;
                default:
                    throw new ArgumentException(
                        $"No built-in recognizer for entity type '{type}'. Supported: {string.Join(", ", AllTypes)}.", nameof(entityTypes));
            }
        }
    }

    /// <summary>Gets the entity types every built-in recognizer finds, most specific first.</summary>
    public static IReadOnlyList<string> SupportedEntityTypes => AllTypes;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<PiiMatch> Recognize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        List<Candidate>? found = null;
        ReadOnlySpan<char> span = text.AsSpan();

        if (_privateKey && span.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            foreach (ValueMatch m in PiiPatterns.PrivateKey().EnumerateMatches(span))
            {
                Add(ref found, 0, PiiEntityTypes.PrivateKey, m.Index, m.Length);
            }
        }

        if (_jwt)
        {
            ScanWindows(span, JwtAnchor, 1, 16 * 1024, PiiPatterns.Jwt(), 1, PiiEntityTypes.Jwt, ref found);
        }

        if (_apiKey)
        {
            ScanWindows(span, ApiKeyAnchors, 1, 320, PiiPatterns.ApiKey(), 2, PiiEntityTypes.ApiKey, ref found);
        }

        if (_password)
        {
            ScanPasswords(text, PasswordAnchors, 1, 320, PiiPatterns.ConnectionStringPassword(), keyValueList: true, ref found);
            ScanPasswords(text, UrlAnchor, 24, 320, PiiPatterns.UrlPassword(), keyValueList: false, ref found);
        }

        if (_email)
        {
            ScanEmails(span, ref found);
        }

        if (_ip)
        {
            ScanIPv6(span, ref found);
        }

        if (_iban || _card || _ssn || _ip || _phone)
        {
            ScanNumeric(span, ref found);
        }

        return found is null ? [] : Resolve(found);
    }

    /// <summary>Runs <paramref name="pattern"/> in windows around anchors and validates each match by its type.</summary>
    private static void ScanWindows(ReadOnlySpan<char> span, Anchors anchors, int before, int after, Regex pattern, int priority, string type, ref List<Candidate>? found)
    {
        int from = 0, frontier = 0;
        while ((from = anchors.IndexIn(span, from)) >= 0)
        {
            int start = Math.Max(0, from - before);
            int end = Math.Min(span.Length, from + after);
            foreach (ValueMatch m in pattern.EnumerateMatches(span[start..end]))
            {
                int index = start + m.Index;
                if (index < frontier || (m.Index == 0 && start > 0))
                {
                    continue;
                }

                ReadOnlySpan<char> value = span.Slice(index, m.Length);
                int trim = 0;
                bool valid = type switch
                {
                    PiiEntityTypes.Jwt => PiiValidators.IsJwt(value),
                    PiiEntityTypes.EmailAddress => PiiValidators.IsEmail(value, out trim),
                    _ => true,
                };
                if (valid)
                {
                    Add(ref found, priority, type, index + trim, m.Length - trim);
                    frontier = index + m.Length;
                }
            }

            from = Math.Max(from + 1, frontier);
        }
    }

    /// <summary>Emails: from each <c>@</c>, walk back over the local part and try the pattern from there only.</summary>
    private static void ScanEmails(ReadOnlySpan<char> span, ref List<Candidate>? found)
    {
        int from = 0, frontier = 0;
        while (from < span.Length)
        {
            int at = span[from..].IndexOf('@');
            if (at < 0)
            {
                return;
            }

            at += from;
            int start = at;
            while (start > frontier && at - start <= 64 && LocalPartChars.Contains(span[start - 1]))
            {
                start--;
            }

            from = at + 1;
            if (start == at || at - start > 64)
            {
                continue;
            }

            int end = Math.Min(span.Length, at + 256);
            Regex.ValueMatchEnumerator matches = PiiPatterns.Email().EnumerateMatches(span[start..end]);
            if (matches.MoveNext() && matches.Current.Index == 0)
            {
                ValueMatch m = matches.Current;
                if (PiiValidators.IsEmail(span.Slice(start, m.Length), out int trim))
                {
                    Add(ref found, 4, PiiEntityTypes.EmailAddress, start + trim, m.Length - trim);
                    frontier = start + m.Length;
                    from = frontier;
                }
            }
        }
    }

    private static void ScanPasswords(string text, Anchors anchors, int before, int after, Regex pattern, bool keyValueList, ref List<Candidate>? found)
    {
        int from = 0, frontier = 0;
        while ((from = anchors.IndexIn(text, from)) >= 0)
        {
            int start = Math.Max(0, from - before);
            int end = Math.Min(text.Length, from + after);
            for (Match m = pattern.Match(text, start, end - start); m.Success; m = m.NextMatch())
            {
                if (m.Index < frontier)
                {
                    continue;
                }

                Group value = m.Groups["v"];
                if (!keyValueList || PiiValidators.IsInKeyValueList(text, m.Index, m.Index + m.Length))
                {
                    Add(ref found, 3, PiiEntityTypes.Password, value.Index, value.Length);
                    frontier = m.Index + m.Length;
                }
            }

            from = Math.Max(from + 1, frontier);
        }
    }

    /// <summary>IPv6 candidates sit around two colons close together.</summary>
    private static void ScanIPv6(ReadOnlySpan<char> span, ref List<Candidate>? found)
    {
        int from = 0, frontier = 0;
        while (from < span.Length)
        {
            int colon = span[from..].IndexOf(':');
            if (colon < 0)
            {
                return;
            }

            colon += from;
            int next = colon + 1 < span.Length ? span.Slice(colon + 1, Math.Min(5, span.Length - colon - 1)).IndexOf(':') : -1;
            if (next < 0 || colon < frontier)
            {
                from = colon + 1;
                continue;
            }

            int start = Math.Max(0, colon - 6);
            int end = Math.Min(span.Length, colon + 60);
            foreach (ValueMatch m in PiiPatterns.IPv6().EnumerateMatches(span[start..end]))
            {
                int index = start + m.Index;
                if (index >= frontier && !(m.Index == 0 && start > 0 && IsIPv6Char(span[start - 1])) && PiiValidators.IsIPv6(span.Slice(index, m.Length)))
                {
                    Add(ref found, 8, PiiEntityTypes.IpAddress, index, m.Length);
                    frontier = index + m.Length;
                }
            }

            from = Math.Max(end - 1, colon + 1);
        }
    }

    /// <summary>Numbers: each run of digits with the characters numbers are written with is one window for the numeric patterns.</summary>
    private void ScanNumeric(ReadOnlySpan<char> span, ref List<Candidate>? found)
    {
        int from = 0;
        while (from < span.Length)
        {
            int digit = span[from..].IndexOfAny(Digits);
            if (digit < 0)
            {
                return;
            }

            digit += from;
            int start = digit, end = digit, digits = 0;
            while (start > 0 && NumberChars.Contains(span[start - 1]))
            {
                start--;
            }

            while (end < span.Length && NumberChars.Contains(span[end]))
            {
                digits += char.IsAsciiDigit(span[end]) ? 1 : 0;
                end++;
            }

            from = end + 1;
            if (digits < 4)
            {
                continue;
            }

            // One character of context each side, so the patterns' boundary checks see the neighbours.
            int windowStart = Math.Max(0, start - 1);
            int windowEnd = Math.Min(span.Length, end + 1);
            ScanNumericWindow(span, windowStart, span[windowStart..windowEnd], digits, ref found);
        }
    }

    private void ScanNumericWindow(ReadOnlySpan<char> span, int offset, ReadOnlySpan<char> window, int digits, ref List<Candidate>? found)
    {
        if (_iban && digits >= 2 && window.Length >= 15)
        {
            foreach (ValueMatch m in PiiPatterns.Iban().EnumerateMatches(window))
            {
                int length = PiiValidators.IbanLength(window.Slice(m.Index, m.Length));
                if (length > 0)
                {
                    Add(ref found, 5, PiiEntityTypes.IbanCode, offset + m.Index, length);
                }
            }
        }

        if (_card && digits >= 12)
        {
            foreach (ValueMatch m in PiiPatterns.CreditCard().EnumerateMatches(window))
            {
                if (PiiValidators.IsCreditCard(window.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 6, PiiEntityTypes.CreditCard, offset + m.Index, m.Length);
                }
            }
        }

        if (_ssn && digits >= 9)
        {
            foreach (ValueMatch m in PiiPatterns.UsSsn().EnumerateMatches(window))
            {
                if (PiiValidators.IsUsSsn(window.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 7, PiiEntityTypes.UsSsn, offset + m.Index, m.Length);
                }
            }
        }

        if (_ip && window.Contains('.'))
        {
            foreach (ValueMatch m in PiiPatterns.IPv4().EnumerateMatches(window))
            {
                if (PiiValidators.IsIPv4(window.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 8, PiiEntityTypes.IpAddress, offset + m.Index, m.Length);
                }
            }
        }

        if (_phone && digits >= 7)
        {
            foreach (ValueMatch m in PiiPatterns.Phone().EnumerateMatches(window))
            {
                int length = PiiValidators.PhoneLength(window.Slice(m.Index, m.Length));
                if (length > 0)
                {
                    Add(ref found, 9, PiiEntityTypes.PhoneNumber, offset + m.Index, length);
                }
            }
        }
    }

    private static bool IsIPv6Char(char c) => char.IsAsciiHexDigit(c) || c == ':';

    private static void Add(ref List<Candidate>? found, int priority, string type, int start, int length) =>
        (found ??= []).Add(new Candidate(priority, type, start, length));

    private static List<PiiMatch> Resolve(List<Candidate> found)
    {
        // Most specific first, then longest; a candidate overlapping an accepted one is dropped.
        found.Sort(static (a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority) : b.Length.CompareTo(a.Length));
        var accepted = new List<PiiMatch>(found.Count);
        foreach (Candidate candidate in found)
        {
            bool overlaps = false;
            foreach (PiiMatch match in accepted)
            {
                if (candidate.Start < match.End && match.Start < candidate.Start + candidate.Length)
                {
                    overlaps = true;
                    break;
                }
            }

            if (!overlaps)
            {
                accepted.Add(new PiiMatch(candidate.Type, candidate.Start, candidate.Length));
            }
        }

        accepted.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        return accepted;
    }

    private readonly record struct Candidate(int Priority, string Type, int Start, int Length);
}
