using Contracts.Ai;

namespace Contracts.Ai.Tests.Protection;

public class DefaultPiiRecognizerTests
{
    private static readonly DefaultPiiRecognizer Recognizer = new();

    private static (string Type, string Value)[] Find(string text)
    {
        IReadOnlyList<PiiMatch> matches = Recognizer.Recognize(text);
        return matches.Select(m => (m.EntityType, text.Substring(m.Start, m.Length))).ToArray();
    }

    [Theory]
    [InlineData("Write to jane.doe+news@example.co.uk today.", "jane.doe+news@example.co.uk")]
    [InlineData("What's your email? LeaVLind@superrito.com", "LeaVLind@superrito.com")]
    [InlineData("<ops-team@corp.example.org>", "ops-team@corp.example.org")]
    public void Email_valid_addresses_are_found(string text, string expected) =>
        Assert.Equal([(PiiEntityTypes.EmailAddress, expected)], Find(text));

    [Theory]
    [InlineData("user@localhost is not routable")]
    [InlineData("handle @someone on the forum")]
    [InlineData("jane..doe@example.com")]
    [InlineData("a@b.c")]
    public void Email_invalid_shapes_are_not_found(string text) => Assert.Empty(Find(text));

    [Theory]
    [InlineData("card 4111 1111 1111 1111 please", "4111 1111 1111 1111")]
    [InlineData("card 4111-1111-1111-1111.", "4111-1111-1111-1111")]
    [InlineData("MC 5555555555554444", "5555555555554444")]
    [InlineData("amex 378282246310005", "378282246310005")]
    [InlineData("2-series 2223003122003222", "2223003122003222")]
    public void CreditCard_luhn_valid_numbers_with_known_prefix_are_found(string text, string expected) =>
        Assert.Equal([(PiiEntityTypes.CreditCard, expected)], Find(text));

    [Theory]
    [InlineData("Visa 13", "4222222222222")]
    [InlineData("Visa 16", "4012888888881881")]
    [InlineData("Visa 19", "4111111111111111110")]
    [InlineData("Mastercard", "5555555555554444")]
    [InlineData("Mastercard 2-series", "2223003122003222")]
    [InlineData("Amex", "378282246310005")]
    [InlineData("Amex grouped 4-6-5", "3782 822463 10005")]
    [InlineData("Discover", "6011111111111117")]
    [InlineData("Discover 65", "6500000000000002")]
    [InlineData("Diners 14", "30569309025904")]
    [InlineData("Diners 36", "36227206271667")]
    [InlineData("JCB 16", "3530111333300000")]
    [InlineData("JCB 15 (2131)", "213100000000001")]
    [InlineData("JCB 15 (1800)", "180000000000002")]
    [InlineData("UnionPay", "6200000000000005")]
    [InlineData("UnionPay 19", "6212345678901265")]
    [InlineData("Maestro 12", "501800000009")]
    [InlineData("Maestro 16", "6759649826438453")]
    [InlineData("Maestro 0604", "060400000000")]
    [InlineData("dashes", "5555-5555-5555-4444")]
    public void CreditCard_every_major_brand_is_found(string brand, string number)
    {
        Assert.True(Luhn(number), $"test data: {brand} fails Luhn");
        Assert.Equal([(PiiEntityTypes.CreditCard, number)], Find($"Please charge card {number} for the order."));
    }

    private static bool Luhn(string number)
    {
        int sum = 0, position = 0;
        for (int i = number.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(number[i]))
            {
                continue;
            }

            int d = number[i] - '0';
            if ((position++ & 1) == 1)
            {
                d = d * 2 > 9 ? (d * 2) - 9 : d * 2;
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    [Theory]
    [InlineData("order 1234 5678 9015 shipped")]   // 12 digits without a Maestro prefix
    [InlineData("ref 7000 0000 0000 0005")]         // no brand starts with 7
    [InlineData("Maestro 501800000008")]            // Luhn fails
    public void CreditCard_numbers_without_a_brand_or_checksum_are_not_found(string text) =>
        Assert.DoesNotContain(Find(text), m => m.Type == PiiEntityTypes.CreditCard);

    [Theory]
    [InlineData("card 4111 1111 1111 1112")]          // Luhn fails
    [InlineData("order 1234567812345670")]            // Luhn passes, no issuer starts with 1
    [InlineData("card 4111 1111-1111 1111")]          // mixed separators
    [InlineData("card 41111111111111")]               // Visa never has 14 digits
    public void CreditCard_invalid_numbers_are_not_found(string text) =>
        Assert.DoesNotContain(Find(text), m => m.Type == PiiEntityTypes.CreditCard);

    [Theory]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00 thanks", "DE89 3704 0044 0532 0130 00")]
    [InlineData("pay to GB82WEST12345698765432.", "GB82WEST12345698765432")]
    [InlineData("NL91ABNA0417164300", "NL91ABNA0417164300")]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00 AND MORE", "DE89 3704 0044 0532 0130 00")]
    public void Iban_valid_checksum_and_country_length_is_found(string text, string expected) =>
        Assert.Equal([(PiiEntityTypes.IbanCode, expected)], Find(text));

    [Theory]
    [InlineData("IBAN DE88 3704 0044 0532 0130 00")]  // checksum off by one
    [InlineData("IBAN DE89 3704 0044 0532 0130 0")]   // one character short for DE
    [InlineData("IBAN ZZ89 3704 0044 0532 0130 00")]  // no such country
    public void Iban_bad_checksum_length_or_country_is_not_found(string text) =>
        Assert.DoesNotContain(Find(text), m => m.Type == PiiEntityTypes.IbanCode);

    [Theory]
    [InlineData("His social security number is 531-21-7351", "531-21-7351")]
    [InlineData("SSN 078 05 1120.", "078 05 1120")]
    public void UsSsn_valid_numbers_are_found(string text, string expected) =>
        Assert.Equal([(PiiEntityTypes.UsSsn, expected)], Find(text));

    [Theory]
    [InlineData("SSN 000-12-3456")]
    [InlineData("SSN 666-12-3456")]
    [InlineData("SSN 912-34-5678")]
    [InlineData("SSN 123-00-4567")]
    [InlineData("SSN 123-45-0000")]
    public void UsSsn_never_issued_ranges_are_not_found(string text) =>
        Assert.DoesNotContain(Find(text), m => m.Type == PiiEntityTypes.UsSsn);

    [Theory]
    [InlineData("blocked address 58.74.121.78 today", "58.74.121.78")]
    [InlineData("dns 8.8.8.8.", "8.8.8.8")]
    [InlineData("host 2001:db8::8a2e:370:7334 is up", "2001:db8::8a2e:370:7334")]
    [InlineData("full 2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:0db8:85a3:0000:0000:8a2e:0370:7334")]
    [InlineData("mapped ::ffff:192.0.2.128", "::ffff:192.0.2.128")]
    public void IpAddress_valid_addresses_are_found(string text, string expected) =>
        Assert.Equal([(PiiEntityTypes.IpAddress, expected)], Find(text));

    [Theory]
    [InlineData("bad 999.1.1.1")]
    [InlineData("bad 256.10.10.10")]
    [InlineData("bad 01.2.3.4")]
    [InlineData("version 1.2.3.4.5")]
    [InlineData("at 12:30:45 sharp")]
    [InlineData("std::vector<int> v;")]
    public void IpAddress_invalid_octets_and_look_alikes_are_not_found(string text) =>
        Assert.DoesNotContain(Find(text), m => m.Type == PiiEntityTypes.IpAddress);

    [Theory]
    [InlineData("call me at (96) 627-277 today", "(96) 627-277")]
    [InlineData("Can someone call me on (07) 5331 0577?", "(07) 5331 0577")]
    [InlineData("Fax: 001-420-335-7509x38548", "001-420-335-7509x38548")]
    [InlineData("+1-944-435-4352x04732 mobile", "+1-944-435-4352x04732")]
    [InlineData("London +44 20 7946 0958.", "+44 20 7946 0958")]
    [InlineData("US 415.555.0132 office", "415.555.0132")]
    [InlineData("intl +14155550132", "+14155550132")]
    [InlineData("office 69 987 88 37", "69 987 88 37")]
    [InlineData("call +44 (0)20 7946 0958 now", "+44 (0)20 7946 0958")]
    [InlineData("call +44(0)20 7946 0958 now", "+44(0)20 7946 0958")]
    [InlineData("US +1 (415) 555-0132 office", "+1 (415) 555-0132")]
    [InlineData("US (415) 555-0132 ext. 204", "(415) 555-0132 ext. 204")]
    [InlineData("US (415)555-0132 x204.", "(415)555-0132 x204")]
    [InlineData("desk 415-555-0132 Ext 88", "415-555-0132 Ext 88")]
    [InlineData("mobile 07700 900123 evenings", "07700 900123")]
    [InlineData("Paris +33 1 23 45 67 89", "+33 1 23 45 67 89")]
    [InlineData("Paris 01 23 45 67 89", "01 23 45 67 89")]
    [InlineData("Berlin +49 30 12345678", "+49 30 12345678")]
    [InlineData("Berlin +49 (0) 30 12345678", "+49 (0) 30 12345678")]
    [InlineData("Sydney (02) 9876 5432", "(02) 9876 5432")]
    [InlineData("mobile 0412 345 678", "0412 345 678")]
    [InlineData("Madrid +34 912 345 678", "+34 912 345 678")]
    [InlineData("US 1-415-555-0132", "1-415-555-0132")]
    [InlineData("US +1.415.555.0132", "+1.415.555.0132")]
    public void PhoneNumber_international_and_national_formats_are_found(string text, string expected) =>
        Assert.Equal([(PiiEntityTypes.PhoneNumber, expected)], Find(text));

    [Theory]
    [InlineData("When: 1998-06-28 14:48:14")]
    [InlineData("born 28.06.1998")]
    [InlineData("a population of 1 000 000 people")]
    [InlineData("order 12345 shipped")]
    [InlineData("score 3-1 and 2-2")]
    [InlineData("ZIP: 11164")]
    public void PhoneNumber_dates_thousands_and_short_numbers_are_not_found(string text) =>
        Assert.DoesNotContain(Find(text), m => m.Type == PiiEntityTypes.PhoneNumber);

    [Fact]
    public void Secrets_of_major_providers_are_found()
    {
        string openAi = "sk-proj-" + new string('a', 20) + "B1c2D3e4F5g6H7i8J9k0";
        string aws = "AKIAIOSFODNN7EXAMPLE";
        string github = "ghp_" + new string('x', 30) + "ABC123";
        string anthropic = "sk-ant-api03-" + new string('Q', 40);
        string google = "AIza" + new string('b', 30) + "_-123";
        string text = $"keys: {openAi} {aws} {github} {anthropic} {google}.";

        Assert.Equal(
            [(PiiEntityTypes.ApiKey, openAi), (PiiEntityTypes.ApiKey, aws), (PiiEntityTypes.ApiKey, github), (PiiEntityTypes.ApiKey, anthropic), (PiiEntityTypes.ApiKey, google)],
            Find(text));
    }

    [Fact]
    public void Jwt_with_json_header_is_found_and_random_dotted_text_is_not()
    {
        const string jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        Assert.Equal([(PiiEntityTypes.Jwt, jwt)], Find($"Authorization: Bearer {jwt}"));
        Assert.Empty(Find("eyJunkjunkjunk.eyJmorejunkjunk.abc"));
    }

    [Fact]
    public void PrivateKey_block_is_found_whole()
    {
        const string key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\nabc+/=\n-----END RSA PRIVATE KEY-----";
        Assert.Equal([(PiiEntityTypes.PrivateKey, key)], Find($"here:\n{key}\nthanks"));
        Assert.Empty(Find("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"));
    }

    [Theory]
    [InlineData("Server=db;User Id=app;Password=S3cr3t!;Encrypt=true", "S3cr3t!")]
    [InlineData("Host=db;Username=app;Pwd='p@ss word'", "p@ss word")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc123==;EndpointSuffix=core", "abc123==")]
    [InlineData("postgres://app:hunter2@db.internal:5432/orders", "hunter2")]
    public void Password_in_connection_strings_and_urls_is_found(string text, string expected) =>
        Assert.Equal([(PiiEntityTypes.Password, expected)], Find(text));

    [Fact]
    public void Password_in_prose_without_a_key_value_list_is_not_found() =>
        Assert.Empty(Find("Choose a password = something long and memorable"));

    [Fact]
    public void Overlapping_candidates_keep_the_most_specific_type()
    {
        // An SSN is also shaped like a national phone number; an IPv4 like a dotted phone number.
        Assert.Equal([(PiiEntityTypes.UsSsn, "531-21-7351")], Find("number 531-21-7351"));
        Assert.Equal([(PiiEntityTypes.IpAddress, "58.74.121.78")], Find("ip 58.74.121.78"));
    }

    [Fact]
    public void Matches_are_ordered_and_do_not_overlap()
    {
        string text = "Mail a@example.com, call +44 20 7946 0958, card 4111111111111111, ip 10.0.0.1, ssn 531-21-7351.";
        IReadOnlyList<PiiMatch> matches = Recognizer.Recognize(text);
        Assert.Equal(
            [PiiEntityTypes.EmailAddress, PiiEntityTypes.PhoneNumber, PiiEntityTypes.CreditCard, PiiEntityTypes.IpAddress, PiiEntityTypes.UsSsn],
            matches.Select(m => m.EntityType));
        for (int i = 1; i < matches.Count; i++)
        {
            Assert.True(matches[i - 1].End <= matches[i].Start);
        }
    }

    [Fact]
    public void Subset_constructor_finds_only_the_chosen_types()
    {
        var emailOnly = new DefaultPiiRecognizer([PiiEntityTypes.EmailAddress]);
        IReadOnlyList<PiiMatch> matches = emailOnly.Recognize("a@example.com 4111111111111111");
        Assert.Equal([PiiEntityTypes.EmailAddress], matches.Select(m => m.EntityType));
    }

    [Fact]
    public void Unknown_entity_type_is_rejected_with_its_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DefaultPiiRecognizer(["PERSON"]));
        Assert.Contains("PERSON", ex.Message);
    }

    [Fact]
    public void Null_text_is_rejected_and_empty_or_unicode_text_finds_nothing()
    {
        Assert.Throws<ArgumentNullException>(() => Recognizer.Recognize(null!));
        Assert.Empty(Recognizer.Recognize(string.Empty));
        Assert.Empty(Recognizer.Recognize("请描述一个包含格调的房间设计。🌳 Ünïcödé"));
    }

    [Fact]
    public void Findings_deep_inside_long_text_are_found_once_each()
    {
        string filler = string.Concat(Enumerable.Repeat("The export job ran at 10:30 and wrote 1,204 rows; see ticket 5512. ", 400));
        string text = $"{filler}mail a@example.com and b@example.org, key AKIAIOSFODNN7EXAMPLE, host fe80::1ff:fe23:4567:890a {filler}ip 192.0.2.7";

        Assert.Equal(
            [(PiiEntityTypes.EmailAddress, "a@example.com"), (PiiEntityTypes.EmailAddress, "b@example.org"), (PiiEntityTypes.ApiKey, "AKIAIOSFODNN7EXAMPLE"),
             (PiiEntityTypes.IpAddress, "fe80::1ff:fe23:4567:890a"), (PiiEntityTypes.IpAddress, "192.0.2.7")],
            Find(text));
    }

    [Fact]
    public void Email_with_a_local_part_over_64_characters_is_not_found()
    {
        string local = new string('a', 70);
        Assert.Empty(Find($"{local}@example.com"));
    }
}
