using System.Linq;
using System.Text.Json;

namespace Contracts.Ai.Tests.Schema;

/// <summary>
/// Every numeric keyword decides from the number's text, exactly: no rounding past 28 digits (decimal), no
/// doubles for large values, no underflow to zero, no infinite quotient.
/// </summary>
public class ExactNumberTests
{
    [Theory]
    // minimum and the exclusive forms, past decimal precision
    [InlineData("""{"minimum":1}""", "0.99999999999999999999999999999", false)]
    [InlineData("""{"minimum":1}""", "1.00000000000000000000000000000", true)]
    [InlineData("""{"minimum":1}""", "100000000000000000000000000000e-29", true)]
    [InlineData("""{"exclusiveMinimum":1}""", "1.00000000000000000000000000001", true)]
    [InlineData("""{"exclusiveMinimum":1}""", "1.000000000000000000000000000000", false)]
    [InlineData("""{"maximum":0.1}""", "0.10000000000000000000000000000001", false)]
    [InlineData("""{"exclusiveMaximum":-1e-400}""", "-1e-401", false)]
    [InlineData("""{"exclusiveMaximum":-1e-400}""", "-1e-399", true)]
    [InlineData("""{"maximum":1e400}""", "9.99e399", true)]
    [InlineData("""{"maximum":1e400}""", "1.0000000000000000000001e400", false)]
    [InlineData("""{"minimum":-1e400000000}""", "-1e400000001", false)]
    [InlineData("""{"minimum":-1e400000000}""", "-1e399999999", true)]
    [InlineData("""{"maximum":18446744073709551615}""", "18446744073709551615.0000000000000000001", false)]
    [InlineData("""{"minimum":0}""", "-0", true)]
    [InlineData("""{"exclusiveMinimum":0}""", "-0.0e5", false)]
    // type integer
    [InlineData("""{"type":"integer"}""", "1.00000000000000000000000000001", false)]
    [InlineData("""{"type":"integer"}""", "1.00000000000000000000000000000", true)]
    [InlineData("""{"type":"integer"}""", "1e400000000", true)]
    [InlineData("""{"type":"integer"}""", "1.5e400000000", true)]
    [InlineData("""{"type":"integer"}""", "1e-400000000", false)]
    [InlineData("""{"type":"integer"}""", "12300e-2", true)]
    [InlineData("""{"type":"integer"}""", "12300e-3", false)]
    [InlineData("""{"type":"integer"}""", "0.0e-400", true)]
    // multipleOf
    [InlineData("""{"multipleOf":1e-8}""", "1.00000000000000000000000000001", false)]
    [InlineData("""{"multipleOf":1e-8}""", "1.00000001", true)]
    [InlineData("""{"multipleOf":3}""", "1e29", false)]
    [InlineData("""{"multipleOf":3}""", "3e29", true)]
    [InlineData("""{"multipleOf":3}""", "999999999999999999999999999999999999999", true)]
    [InlineData("""{"multipleOf":3}""", "999999999999999999999999999999999999998", false)]
    [InlineData("""{"multipleOf":1.5}""", "79228162514264337593543950336", false)]
    [InlineData("""{"multipleOf":1.5}""", "79228162514264337593543950335", true)]
    [InlineData("""{"multipleOf":1.5}""", "79228162514264337593543950337.5", false)]
    [InlineData("""{"multipleOf":1.5}""", "118842243771396506390315925504", true)]
    [InlineData("""{"multipleOf":0.1}""", "1e-400", false)]
    [InlineData("""{"multipleOf":0.1}""", "1e309", true)]
    [InlineData("""{"multipleOf":0.1}""", "1e400000000", true)]
    [InlineData("""{"multipleOf":7}""", "1e400000000", false)]
    [InlineData("""{"multipleOf":7}""", "7e400000000", true)]
    [InlineData("""{"multipleOf":1e-400}""", "1e-399", true)]
    [InlineData("""{"multipleOf":1e-400}""", "1e-401", false)]
    [InlineData("""{"multipleOf":0.01}""", "19.99", true)]
    [InlineData("""{"multipleOf":0.01}""", "19.995", false)]
    [InlineData("""{"multipleOf":0.01}""", "-7", true)]
    [InlineData("""{"multipleOf":25}""", "-9223372036854775800", true)]
    [InlineData("""{"multipleOf":100}""", "12300", true)]
    [InlineData("""{"multipleOf":100}""", "12310", false)]
    [InlineData("""{"multipleOf":123456789012345678901234567890}""", "246913578024691357802469135780", true)]
    [InlineData("""{"multipleOf":123456789012345678901234567890}""", "246913578024691357802469135781", false)]
    [InlineData("""{"multipleOf":123456789012345678901234567890}""", "1.2345678901234567890123456789e400", true)]
    [InlineData("""{"multipleOf":0.123456789}""", "1e308", false)]
    [InlineData("""{"multipleOf":0}""", "0", true)]
    public void NumericKeywordsAreExact(string schemaJson, string instance, bool valid)
    {
        if (schemaJson == """{"multipleOf":0}""")
        {
            // multipleOf must be greater than 0; 1e-400 is, and compiles.
            Assert.Throws<System.ArgumentException>(() => Compile(schemaJson));
            Assert.True(Compile("""{"multipleOf":1e-400}""").IsValid(Parse("0")));
            return;
        }

        CompiledJsonSchema schema = Compile(schemaJson);
        JsonElement value = Parse(instance);

        SchemaValidationResult result = schema.Validate(value);

        Assert.Equal(valid, result.IsValid);
        Assert.Equal(valid, schema.IsValid(value));
        if (!valid)
        {
            Assert.Equal("$", Assert.Single(result.Errors).Path);
        }
    }

    [Theory]
    [InlineData("""{"const":1}""", "1.00000000000000000000000000000000", true)]
    [InlineData("""{"const":1}""", "1.00000000000000000000000000000001", false)]
    [InlineData("""{"const":1e400}""", "10e399", true)]
    [InlineData("""{"const":1e400}""", "1e401", false)]
    [InlineData("""{"const":1e-400}""", "0", false)]
    [InlineData("""{"const":0}""", "-0.0e-5", true)]
    [InlineData("""{"enum":[0.1, 2]}""", "0.100000000000000000000000000000", true)]
    [InlineData("""{"enum":[0.1, 2]}""", "0.1000000000000000000000000000001", false)]
    [InlineData("""{"enum":[12345678901234567890123456789012345678901]}""", "12345678901234567890123456789012345678901.0", true)]
    [InlineData("""{"enum":[12345678901234567890123456789012345678901]}""", "12345678901234567890123456789012345678902", false)]
    [InlineData("""{"const":{"a":[1e400]}}""", """{"a":[1.0e400]}""", true)]
    [InlineData("""{"const":{"a":[1e400]}}""", """{"a":[1.0e399]}""", false)]
    public void ConstAndEnumCompareNumbersExactly(string schemaJson, string instance, bool valid)
    {
        Assert.Equal(valid, Compile(schemaJson).Validate(Parse(instance)).IsValid);
    }

    [Theory]
    [InlineData("[1.00000000000000000000000000000001, 1]", true)]
    [InlineData("[1.0000000000000000000000000000000, 1]", false)]
    [InlineData("[1e400, 1e401]", true)]
    [InlineData("[1e400, 10e399]", false)]
    [InlineData("[1e-400, 0]", true)]
    [InlineData("""[{"a":1e-400},{"a":0}]""", true)]
    [InlineData("""[{"a":[1,2.0]},{"a":[1.0,2]}]""", false)]
    public void UniqueItemsComparesNumbersExactly(string instance, bool valid)
    {
        SchemaValidationResult result = Compile("""{"uniqueItems":true}""").Validate(Parse(instance));

        Assert.Equal(valid, result.IsValid);
    }

    [Fact]
    public void HugeExponentsAndLongMantissasStayCheap()
    {
        // A 100,000-digit mantissa and exponents of 10^8 would need huge BigIntegers if scaled out.
        string digits = "1" + new string('0', 99_998) + "1";
        CompiledJsonSchema schema = Compile("""{"type":"integer","multipleOf":3,"minimum":1e400000000,"maximum":1e400000002}""");

        SchemaValidationResult result = schema.Validate(Parse(digits + "e399900001"));

        // (10^99999 + 1) x 10^399900001 = 10^400000000 + 10^399900001: an integer within the limits, not a multiple of 3.
        Assert.Equal(["multipleOf"], result.Errors.Select(e => e.Keyword));
        Assert.True(schema.IsValid(Parse("3e400000000")));
        Assert.False(schema.IsValid(Parse("3e400000003")));
    }

    [Fact]
    public void ExponentsBeyondTheClampKeepTheirSideOfEveryLimit()
    {
        CompiledJsonSchema schema = Compile("""{"minimum":-1,"maximum":1}""");

        Assert.False(schema.IsValid(Parse("1e99999999999999999999999999")));
        Assert.False(schema.IsValid(Parse("-1e99999999999999999999999999")));
        Assert.True(schema.IsValid(Parse("1e-99999999999999999999999999")));
    }

    [Fact]
    public void SchemasOnTheFallbackRejectNumbersItsMultipleOfCannotSurvive()
    {
        // JsonSchema.Net's multipleOf overflows the stack on such exponents, which would end the process.
        CompiledJsonSchema schema = Compile("""{"if":true,"properties":{"n":{"multipleOf":3}}}""");

        SchemaValidationResult result = schema.Validate(Parse("""{"n":1e400000000}"""));

        Assert.True(schema.UsesFallback);
        Assert.Equal("multipleOf", Assert.Single(result.Errors).Keyword);
        Assert.False(schema.IsValid(Parse("""{"n":1e400000000}""")));
        Assert.True(schema.IsValid(Parse("""{"n":3e20}""")));
    }

    private static CompiledJsonSchema Compile(string json) => CompiledJsonSchema.Compile(Parse(json));

    private static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
