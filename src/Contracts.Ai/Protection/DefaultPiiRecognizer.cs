using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>
/// The built-in recognizers: email addresses, phone numbers, payment cards (Luhn), IBANs (mod-97),
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
        bool hasDigits = span.ContainsAny(Digits);

        if (_privateKey && span.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            foreach (ValueMatch m in PiiPatterns.PrivateKey().EnumerateMatches(span))
            {
                Add(ref found, 0, PiiEntityTypes.PrivateKey, m.Index, m.Length);
            }
        }

        if (_jwt)
        {
            foreach (ValueMatch m in PiiPatterns.Jwt().EnumerateMatches(span))
            {
                if (PiiValidators.IsJwt(span.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 1, PiiEntityTypes.Jwt, m.Index, m.Length);
                }
            }
        }

        if (_apiKey)
        {
            foreach (ValueMatch m in PiiPatterns.ApiKey().EnumerateMatches(span))
            {
                Add(ref found, 2, PiiEntityTypes.ApiKey, m.Index, m.Length);
            }
        }

        if (_password && span.Contains('='))
        {
            for (Match m = PiiPatterns.ConnectionStringPassword().Match(text); m.Success; m = m.NextMatch())
            {
                Group value = m.Groups["v"];
                if (PiiValidators.IsInKeyValueList(text, m.Index, m.Index + m.Length))
                {
                    Add(ref found, 3, PiiEntityTypes.Password, value.Index, value.Length);
                }
            }
        }

        if (_password && span.Contains("://", StringComparison.Ordinal))
        {
            for (Match m = PiiPatterns.UrlPassword().Match(text); m.Success; m = m.NextMatch())
            {
                Group value = m.Groups["v"];
                Add(ref found, 3, PiiEntityTypes.Password, value.Index, value.Length);
            }
        }

        if (_email && span.Contains('@'))
        {
            foreach (ValueMatch m in PiiPatterns.Email().EnumerateMatches(span))
            {
                if (PiiValidators.IsEmail(span.Slice(m.Index, m.Length), out int trim))
                {
                    Add(ref found, 4, PiiEntityTypes.EmailAddress, m.Index + trim, m.Length - trim);
                }
            }
        }

        if (hasDigits)
        {
            RecognizeNumeric(span, ref found);
        }

        if (_ip && span.Contains(':'))
        {
            foreach (ValueMatch m in PiiPatterns.IPv6().EnumerateMatches(span))
            {
                if (PiiValidators.IsIPv6(span.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 8, PiiEntityTypes.IpAddress, m.Index, m.Length);
                }
            }
        }

        return found is null ? [] : Resolve(found);
    }

    private void RecognizeNumeric(ReadOnlySpan<char> span, ref List<Candidate>? found)
    {
        if (_iban)
        {
            foreach (ValueMatch m in PiiPatterns.Iban().EnumerateMatches(span))
            {
                int length = PiiValidators.IbanLength(span.Slice(m.Index, m.Length));
                if (length > 0)
                {
                    Add(ref found, 5, PiiEntityTypes.IbanCode, m.Index, length);
                }
            }
        }

        if (_card)
        {
            foreach (ValueMatch m in PiiPatterns.CreditCard().EnumerateMatches(span))
            {
                if (PiiValidators.IsCreditCard(span.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 6, PiiEntityTypes.CreditCard, m.Index, m.Length);
                }
            }
        }

        if (_ssn)
        {
            foreach (ValueMatch m in PiiPatterns.UsSsn().EnumerateMatches(span))
            {
                if (PiiValidators.IsUsSsn(span.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 7, PiiEntityTypes.UsSsn, m.Index, m.Length);
                }
            }
        }

        if (_ip && span.Contains('.'))
        {
            foreach (ValueMatch m in PiiPatterns.IPv4().EnumerateMatches(span))
            {
                if (PiiValidators.IsIPv4(span.Slice(m.Index, m.Length)))
                {
                    Add(ref found, 8, PiiEntityTypes.IpAddress, m.Index, m.Length);
                }
            }
        }

        if (_phone)
        {
            foreach (ValueMatch m in PiiPatterns.Phone().EnumerateMatches(span))
            {
                int length = PiiValidators.PhoneLength(span.Slice(m.Index, m.Length));
                if (length > 0)
                {
                    Add(ref found, 9, PiiEntityTypes.PhoneNumber, m.Index, length);
                }
            }
        }
    }

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
