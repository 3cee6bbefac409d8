using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Contracts.Ai.Tests.Schema;

/// <summary>Patterns mean what ECMA-262 (with the u flag, as JSON Schema asks) says, not what .NET's engine would.</summary>
public class EcmaPatternTests
{
    [Fact]
    public void CompiledValidatorPassesTheSuitesOptionalEcmaScriptRegexCases()
    {
        List<string> failures = [];
        int cases = 0;
        foreach (JsonSchemaTestSuite.Group group in JsonSchemaTestSuite.Load("optional/ecmascript-regex.json"))
        {
            if (group.Description == "\\a is not an ECMA 262 control escape")
            {
                // Asks for the meta-schema's format "regex" to be asserted: an annotation in 2020-12, not a pattern semantic.
                continue;
            }

            CompiledJsonSchema schema = CompiledJsonSchema.Compile(group.Schema);
            Assert.False(schema.UsesFallback, group.Description);
            foreach (JsonSchemaTestSuite.Case test in group.Cases)
            {
                cases++;
                if (schema.Validate(test.Data).IsValid != test.Valid || schema.IsValid(test.Data) != test.Valid)
                {
                    failures.Add($"{group.Description} / {test.Description}: expected {(test.Valid ? "valid" : "invalid")}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(cases >= 70, "the optional ECMA-262 cases were not all read");
    }

    [Theory]
    // $ is the end of the text, never before a final newline
    [InlineData("^abc$", "abc", true)]
    [InlineData("^abc$", "abc\n", false)]
    [InlineData("^ORD-[0-9]{4}$", "ORD-1234\n", false)]
    [InlineData("^ORD-[0-9]{4}$", "ORD-1234\r\n", false)]
    [InlineData("abc$|^x", "abc\n", false)]
    [InlineData("^[$]$", "$", true)]
    // ^ is the start of the text, never after a newline
    [InlineData("^b", "a\nb", false)]
    // \d and \w are ASCII; \b uses ASCII word characters
    [InlineData("^\\d+$", "١٢٣", false)]
    [InlineData("^\\d+$", "0123456789", true)]
    [InlineData("^\\w+$", "héllo", false)]
    [InlineData("^\\w+$", "Hello_42", true)]
    [InlineData("^[\\w-]+$", "a-b_c", true)]
    [InlineData("^[\\w-]+$", "a-b·c", false)]
    [InlineData("\\bcole", "l'école", true)]
    [InlineData("\\Bcole", "l'école", false)]
    // . is one code point, never a line terminator
    [InlineData("^.$", "\n", false)]
    [InlineData("^.$", "\r", false)]
    [InlineData("^.$", "\u2028", false)]
    [InlineData("^.$", "\u2029", false)]
    [InlineData("^.$", "\u0085", true)]
    [InlineData("^.$", "é", true)]
    [InlineData("^.$", "😀", true)]
    [InlineData("^..$", "😀", false)]
    [InlineData("^.{3}$", "a😀b", true)]
    [InlineData("^a.c$", "a\nc", false)]
    [InlineData("^[^]$", "\n", true)]
    [InlineData("^a[]", "a", false)]
    // \s is ECMA-262 white space and line terminators
    [InlineData("^\\s$", "\ufeff", true)]
    [InlineData("^\\s$", "\u0085", false)]
    [InlineData("^\\S$", "\u0085", true)]
    [InlineData("^[\\s]+$", " \t\u00a0\u3000", true)]
    // code points outside the BMP are one unit
    [InlineData("^🐲*$", "🐲🐲", true)]
    [InlineData("^🐲*$", "🐉", false)]
    [InlineData("^[😀-😎]$", "😃", true)]
    [InlineData("^[😀-😎]$", "😏", false)]
    [InlineData("^[^a]$", "😀", true)]
    [InlineData("^[^😀]$", "😀", false)]
    [InlineData("^[^😀]$", "😃", true)]
    [InlineData("^\\D$", "😀", true)]
    [InlineData("^\\D\\D$", "😀", false)]
    [InlineData("^\\u{1F600}$", "😀", true)]
    [InlineData("^\\uD83D\\uDE00+$", "😀😀", true)]
    [InlineData("^[\\u{10000}-\\u{10FFFF}]+$", "😀𝐀🐉", true)]
    [InlineData("^[\\u{10000}-\\u{10FFFF}]+$", "😀a", false)]
    // sets: '[' is a literal (no .NET subtraction), escapes keep their ECMA meaning
    [InlineData("^[a-z-[]+$", "b-[a", true)]
    [InlineData("^[\\b]$", "\b", true)]
    [InlineData("^\\x41\\cJ\\0$", "A\n\0", true)]
    // Unicode property escapes
    [InlineData("^\\p{Lu}\\p{Letter}*$", "Éric", true)]
    [InlineData("^\\p{General_Category=Decimal_Number}+$", "٣4", true)]
    [InlineData("^\\P{L}$", "😀", true)]
    public void PatternsFollowEcmaScript(string pattern, string text, bool matches)
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["pattern"] = pattern }));
        JsonElement instance = JsonSerializer.SerializeToElement(text);

        Assert.Equal(matches, schema.IsValid(instance));
        Assert.Equal(matches, schema.Validate(instance).IsValid);
    }

    [Fact]
    public void PatternPropertiesFollowEcmaScriptToo()
    {
        CompiledJsonSchema schema = CompiledJsonSchema.Compile(Parse("""{"patternProperties":{"^id$":{"type":"integer"}},"additionalProperties":false}"""));

        SchemaValidationResult result = schema.Validate(Parse("""{"id":1,"id\n":2}"""));

        SchemaValidationError error = Assert.Single(result.Errors);
        Assert.Equal("additionalProperties", error.Keyword);
        Assert.Equal("$['id\\u000a']", error.Path);
    }

    [Theory]
    [InlineData("^(a+)+$", true)]
    [InlineData("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", true)]
    [InlineData("^.{1,200}$", true)]
    [InlineData("^(a)\\1$", false)]
    [InlineData("^(?=a)a+$", false)]
    [InlineData("\\bword\\b", false)]
    public void PatternsWithoutBackreferencesOrLookaroundsRunInLinearTime(string pattern, bool linear)
    {
        Assert.Equal(linear, SchemaPattern.Create(pattern, TimeSpan.FromSeconds(1)).IsLinear);
    }

    [Theory]
    [InlineData("[a-")]
    [InlineData("[z-a]")]
    [InlineData("(unclosed")]
    [InlineData("\\p{NoSuchCategory}")]
    [InlineData("abc\\")]
    public void MalformedPatternsAreSchemaErrors(string pattern)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            CompiledJsonSchema.Compile(JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["pattern"] = pattern })));

        Assert.Contains("'#/pattern'", e.Message, StringComparison.Ordinal);
    }

    private static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
