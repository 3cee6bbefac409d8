using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace Contracts.Ai.Tests.Budgeting;

public class TiktokenTokenCounterTests
{
    public static TheoryData<string> Encodings => new() { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Counts_equal_the_reference_tiktoken_counts_on_the_corpus(string encoding)
    {
        (string[] corpus, int[] counts) = TokenCorpusReference.Load("corpus.json", "expected-counts.json", encoding);
        Assert.True(corpus.Length >= 300, $"The corpus holds {corpus.Length} strings; it must hold at least 300.");
        Assert.Equal(corpus.Length, counts.Length);

        TokenCorpusReference.AssertCountsEqual(encoding, corpus, counts);
    }

    [Theory]
    [InlineData("gpt-4o", TiktokenTokenCounter.O200kBase)]
    [InlineData("gpt-4o-mini-2024-07-18", TiktokenTokenCounter.O200kBase)]
    [InlineData("chatgpt-4o-latest", TiktokenTokenCounter.O200kBase)]
    [InlineData("gpt-4.1-nano", TiktokenTokenCounter.O200kBase)]
    [InlineData("gpt-5", TiktokenTokenCounter.O200kBase)]
    [InlineData("GPT-5-mini", TiktokenTokenCounter.O200kBase)]
    [InlineData("o1", TiktokenTokenCounter.O200kBase)]
    [InlineData("o3-mini", TiktokenTokenCounter.O200kBase)]
    [InlineData("o4-mini-high", TiktokenTokenCounter.O200kBase)]
    [InlineData("ft:gpt-4o-mini:acme::abc123", TiktokenTokenCounter.O200kBase)]
    [InlineData("openai/gpt-4.1", TiktokenTokenCounter.O200kBase)]
    [InlineData("gpt-4", TiktokenTokenCounter.Cl100kBase)]
    [InlineData("gpt-4-turbo", TiktokenTokenCounter.Cl100kBase)]
    [InlineData("gpt-3.5-turbo", TiktokenTokenCounter.Cl100kBase)]
    [InlineData("gpt-35-turbo", TiktokenTokenCounter.Cl100kBase)]
    public void ForModel_maps_known_models_to_their_encoding(string modelId, string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForModel(modelId);

        Assert.Equal(encoding, counter.Encoding);
        Assert.Same(TiktokenTokenCounter.ForEncoding(encoding), counter);
    }

    [Theory]
    [InlineData("llama-3.1-70b")]
    [InlineData("claude-sonnet-4")]
    [InlineData("o5x")]
    [InlineData("")]
    public void ForModel_rejects_an_unknown_model_naming_it_and_how_to_register_a_counter(string modelId)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => TiktokenTokenCounter.ForModel(modelId));

        Assert.Contains($"'{modelId}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("TokenCounterRegistry.Register", error.Message, StringComparison.Ordinal);
        Assert.Contains("DefaultEncoding", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForEncoding_rejects_an_unsupported_encoding_and_null()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => TiktokenTokenCounter.ForEncoding("p50k_base"));
        Assert.Contains("p50k_base", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => TiktokenTokenCounter.ForEncoding(null!));
        Assert.Throws<ArgumentNullException>(() => TiktokenTokenCounter.ForModel(null!));
    }

    [Fact]
    public void One_instance_per_encoding_even_when_first_use_races()
    {
        var seen = new TiktokenTokenCounter[16];
        Parallel.For(0, seen.Length, i => seen[i] = TiktokenTokenCounter.ForEncoding(i % 2 == 0 ? "o200k_base" : "O200K_BASE"));

        Assert.All(seen, counter => Assert.Same(seen[0], counter));
    }

    [Fact]
    public void Special_token_markers_count_as_plain_text()
    {
        ITokenCounter counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);

        Assert.True(counter.CountTokens("<|endoftext|>") > 1);
        Assert.Equal(0, counter.CountTokens(ReadOnlySpan<char>.Empty));
    }

    [Fact]
    public void Counts_are_the_same_from_many_threads()
    {
        ITokenCounter counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.Cl100kBase);
        var text = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            text.Append("Line ").Append(i).Append(": 数据 🚀 <|endoftext|> {\"k\": ").Append(i * 31).Append("}\n");
        }

        string s = text.ToString();
        int expected = counter.CountTokens(s);
        int[] results = new int[32];
        Parallel.For(0, results.Length, i => results[i] = counter.CountTokens(s));

        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
