using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>
/// Differential tests of <see cref="TiktokenTokenCounter"/>: against OpenAI's tiktoken on committed
/// corpora (counts made with tiktoken itself, see TokenCorpus/generate-expected.mjs), and against
/// Microsoft.ML.Tokenizers on text generated at test time.
/// </summary>
public class TiktokenExactnessTests
{
    private const int GeneratedSeed = 20_2612;
    private const int GeneratedCount = 3_000;
    private const int EmojiSeed = 1_2026;
    private const int EmojiCount = 2_000;

    public static TheoryData<string> Encodings => new() { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Counts_equal_tiktoken_on_the_generated_corpus_with_astral_text(string encoding)
    {
        // 2,000 texts from TokenTextGenerator.Generate(seed: 2026, count: 2000, astral: true), counted by tiktoken
        // (written as JSON, where lone surrogates became U+FFFD; the next test covers them).
        (string[] corpus, int[] counts) = TokenCorpusReference.Load("generated-corpus.json", "generated-expected-counts.json", encoding);
        Assert.Equal(2_000, corpus.Length);
        Assert.Equal(corpus.Length, counts.Length);

        TokenCorpusReference.AssertCountsEqual(encoding, corpus, counts);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Counts_equal_Microsoft_ML_Tokenizers_on_generated_text(string encoding)
    {
        // No astral characters or lone surrogates: Microsoft.ML.Tokenizers' regex sees an astral letter or digit as two
        // surrogates, and it counts a lone surrogate differently from tiktoken (see the tests below).
        List<string> texts = TokenTextGenerator.Generate(GeneratedSeed, GeneratedCount, astral: false);
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        MlTokenizersTokenCounter reference = MlTokenizersTokenCounter.ForEncoding(encoding);

        var mismatches = new List<string>();
        long total = 0;
        foreach (string text in texts)
        {
            int expected = reference.CountTokens(text);
            int actual = counter.CountTokens(text);
            total += actual;
            if (actual != expected && mismatches.Count < 20)
            {
                mismatches.Add($"{JsonSerializer.Serialize(Shorten(text))}: Microsoft.ML.Tokenizers {expected}, counted {actual}");
            }
        }

        Assert.True(mismatches.Count == 0, $"Texts differ from Microsoft.ML.Tokenizers ({encoding}):\n" + string.Join("\n", mismatches));
        Assert.True(total > GeneratedCount * 10, "The generated texts are too short to test anything.");
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Counts_equal_tiktoken_on_generated_emoji_sequences_mixed_with_text(string encoding)
    {
        // ZWJ families, flags, tag sequences, skin tones, keycaps and variation selectors, in runs, between words, numbers,
        // white space, punctuation, marks and letters: the split pattern taken per code point, each piece merged alone.
        List<string> texts = TokenTextGenerator.GenerateEmoji(EmojiSeed, EmojiCount);
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        var reference = new CodePointTiktokenReference(encoding);

        // The reference agrees with tiktoken 1.0.22 where Microsoft.ML.Tokenizers alone does not (an emoji leading a word).
        Assert.Equal(encoding == TiktokenTokenCounter.O200kBase ? 2 : 3, reference.CountTokens("\U0001F600abc"));

        var mismatches = new List<string>();
        var all = new StringBuilder();
        foreach (string text in texts)
        {
            int expected = reference.CountTokens(text);
            int actual = counter.CountTokens(text);
            if (actual != expected && mismatches.Count < 20)
            {
                mismatches.Add($"{JsonSerializer.Serialize(Shorten(text))}: tiktoken {expected}, counted {actual}");
            }

            all.Append(text).Append('\n');
        }

        // The same texts as one long text, counted in chunks, and a second time from the piece cache.
        string joined = all.ToString();
        int joinedExpected = reference.CountTokens(joined);
        Assert.Equal(joinedExpected, counter.CountTokens(joined));
        Assert.Equal(joinedExpected, counter.CountTokens(joined));
        Assert.True(mismatches.Count == 0, $"Emoji texts differ from tiktoken ({encoding}):\n" + string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_lone_surrogate_counts_as_U_FFFD_as_tiktoken_receives_it(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        int withSurrogates = 0;
        foreach (string text in TokenTextGenerator.Generate(13, 1_000, astral: true))
        {
            var replaced = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                bool pair = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                if (pair)
                {
                    replaced.Append(text, i++, 2);
                }
                else
                {
                    replaced.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
                }
            }

            string fffd = replaced.ToString();
            withSurrogates += fffd == text ? 0 : 1;
            Assert.Equal(counter.CountTokens(fffd), counter.CountTokens(text));
        }

        Assert.True(withSurrogates > 50, $"Only {withSurrogates} texts held a lone surrogate.");
    }

    // Escaped, because test case names cannot carry lone surrogates: the test unescapes them. Counts from tiktoken 1.0.22.
    [Theory]
    [InlineData(TiktokenTokenCounter.O200kBase, @"\uDC00abc", 2)]
    [InlineData(TiktokenTokenCounter.Cl100kBase, @"x\uD800\uD800y", 3)]
    [InlineData(TiktokenTokenCounter.O200kBase, @"ab \uDFFF\n", 3)]
    [InlineData(TiktokenTokenCounter.O200kBase, @"a\uD800b", 3)]
    [InlineData(TiktokenTokenCounter.Cl100kBase, @"a\uD800b", 3)]
    [InlineData(TiktokenTokenCounter.O200kBase, @"a\uD835\uDC00b", 4)]
    [InlineData(TiktokenTokenCounter.Cl100kBase, @"a\uD835\uDC00b", 5)]
    [InlineData(TiktokenTokenCounter.O200kBase, @"\uD83D\uDE00abc", 2)]
    [InlineData(TiktokenTokenCounter.Cl100kBase, @"\uD83D\uDE00abc", 3)]
    [InlineData(TiktokenTokenCounter.O200kBase, "<|endoftext|>", 7)]
    [InlineData(TiktokenTokenCounter.Cl100kBase, "<|endoftext|>", 7)]
    public void Counts_are_tiktokens_for_astral_letters_emoji_special_token_text_and_lone_surrogates(string encoding, string escaped, int tiktoken)
    {
        string text = System.Text.RegularExpressions.Regex.Unescape(escaped);
        Assert.Equal(tiktoken, TiktokenTokenCounter.ForEncoding(encoding).CountTokens(text));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Long_texts_and_huge_single_pieces_count_like_their_parts(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        MlTokenizersTokenCounter reference = MlTokenizersTokenCounter.ForEncoding(encoding);

        // Long text is split in chunks internally; the total must not depend on where.
        var text = new StringBuilder();
        foreach (string part in TokenTextGenerator.Generate(7, 400, astral: false))
        {
            text.Append(part).Append('\n');
        }

        string all = text.ToString();
        Assert.True(all.Length > 20_000);
        Assert.Equal(reference.CountTokens(all), counter.CountTokens(all));

        // One piece of 20,000 letters (merged with the heap) and one of spaces and line feeds.
        var random = new Random(3);
        var letters = new StringBuilder();
        for (int i = 0; i < 20_000; i++)
        {
            letters.Append((char)('a' + random.Next(26)));
        }

        string word = letters.ToString();
        Assert.Equal(reference.CountTokens(word), counter.CountTokens(word));
        string blank = new string(' ', 10_000) + "\r\n" + new string('\t', 5_000) + "x";
        Assert.Equal(reference.CountTokens(blank), counter.CountTokens(blank));
    }

    [Fact]
    public void The_piece_cache_gives_the_same_counts_from_many_threads()
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
        List<string> texts = TokenTextGenerator.Generate(11, 400, astral: true);
        int[] expected = new int[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            expected[i] = counter.CountTokens(texts[i]);
        }

        int[] failures = new int[8];
        Parallel.For(0, failures.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (int round = 0; round < 5; round++)
            {
                for (int i = (worker * 37) % texts.Count, seen = 0; seen < texts.Count; i = (i + 1) % texts.Count, seen++)
                {
                    if (counter.CountTokens(texts[i]) != expected[i])
                    {
                        failures[worker]++;
                    }
                }
            }
        });

        Assert.All(failures, f => Assert.Equal(0, f));
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
