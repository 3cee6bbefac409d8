using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>Cutting text at token boundaries: the cut points of <see cref="TiktokenTokenCounter"/> and truncation of oversize messages.</summary>
public class TokenTruncationTests
{
    public static TheoryData<string> Encodings => new() { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Head_cut_points_are_those_of_Microsoft_ML_Tokenizers_on_generated_text(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        MlTokenizersTokenCounter reference = MlTokenizersTokenCounter.ForEncoding(encoding);
        var mismatches = new List<string>();
        foreach (string text in TokenTextGenerator.Generate(5, 300, astral: false))
        {
            // Microsoft.ML.Tokenizers cuts "<|endoftext|>" as one special token; its cut points are compared on other text only.
            if (text.Contains("<|", StringComparison.Ordinal))
            {
                continue;
            }

            int total = counter.CountTokens(text);
            foreach (int max in new[] { 1, 2, total / 3, total / 2, total - 1, total, total + 5 })
            {
                // From the start only: Microsoft.ML.Tokenizers' cuts from the end can keep more tokens than asked.
                int expected = TokenBudgeter.CharsByTokenCount(reference, text, max, fromEnd: false);
                int actual = TokenBudgeter.CharsByTokenCount(counter, text, max, fromEnd: false);
                if (actual != expected && mismatches.Count < 10)
                {
                    mismatches.Add($"{System.Text.Json.JsonSerializer.Serialize(text.Length > 60 ? text[..60] : text)} ({total} tokens), first {max}: expected {expected} chars, got {actual}");
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_cut_keeps_at_most_the_tokens_asked_and_never_splits_a_surrogate_pair(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        foreach (string text in TokenTextGenerator.Generate(9, 200, astral: true))
        {
            int total = counter.CountTokens(text);
            for (int max = 1; max <= total; max += Math.Max(1, total / 7))
            {
                int head = TokenBudgeter.CharsByTokenCount(counter, text, max, fromEnd: false);
                int tail = TokenBudgeter.CharsByTokenCount(counter, text, max, fromEnd: true);
                Assert.InRange(head, 0, text.Length);
                Assert.InRange(tail, 0, text.Length);
                Assert.False(head > 0 && head < text.Length && char.IsHighSurrogate(text[head - 1]) && char.IsLowSurrogate(text[head]), "The head cut splits a surrogate pair.");
                Assert.False(tail > 0 && tail < text.Length && char.IsHighSurrogate(text[text.Length - tail - 1]) && char.IsLowSurrogate(text[text.Length - tail]), "The tail cut splits a surrogate pair.");

                // The first max tokens and the last total - max tokens meet at one token boundary (moved apart only around a split character), never overlap.
                int rest = TokenBudgeter.CharsByTokenCount(counter, text, total - max, fromEnd: true);
                Assert.True(head + rest <= text.Length, $"Head {head} and tail {rest} overlap in {text.Length} chars.");

                // The cut is at a piece boundary or inside one piece, so recounting the part adds at most a token or two at the seam.
                Assert.True(counter.CountTokens(text.AsSpan(0, head)) <= max + 2, $"Head of {max} tokens counts {counter.CountTokens(text.AsSpan(0, head))}.");
                Assert.True(counter.CountTokens(text.AsSpan(text.Length - tail)) <= max + 2, $"Tail of {max} tokens counts {counter.CountTokens(text.AsSpan(text.Length - tail))}.");
            }

            Assert.Equal(text.Length, TokenBudgeter.CharsByTokenCount(counter, text, total, fromEnd: false));
            Assert.Equal(text.Length, TokenBudgeter.CharsByTokenCount(counter, text, total, fromEnd: true));
            Assert.Equal(0, TokenBudgeter.CharsByTokenCount(counter, text, 0, fromEnd: true));
        }
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-4")]
    public void The_cut_message_is_remembered_with_its_exact_count_so_sending_it_again_does_not_count_it(string model)
    {
        string text = MixedText(300_000);
        ITokenCounter counter = TiktokenTokenCounter.ForModel(model);
        int tokens = counter.CountTokens(text);
        var options = new TokenBudgetOptions { ContextWindowTokens = tokens / 2, ReservedOutputTokens = 0, SafetyMarginTokens = 0, TruncateOversizeMessage = true };
        var cache = new TokenCountCache();
        var budgeter = new TokenBudgeter(options, null, cache);

        List<ChatMessage> sent = budgeter.Fit([new ChatMessage(ChatRole.System, "Summarize."), new ChatMessage(ChatRole.User, text)], null, model).ToList();
        long calls = cache.TokenizerCalls;
        var resent = new ChatMessage(ChatRole.User, new string(sent[1].Text.AsSpan()));
        int remembered = cache.CountMessage(resent, counter, options.ImageTokens);

        Assert.Equal(calls, cache.TokenizerCalls);
        Assert.Equal(new TokenCountCache().CountMessage(resent, counter, options.ImageTokens), remembered);
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-4")]
    public async Task A_message_of_a_megabyte_is_cut_from_the_middle_to_fit(string model)
    {
        string text = MixedText(1 << 20);
        ITokenCounter counter = TiktokenTokenCounter.ForModel(model);
        int tokens = counter.CountTokens(text);
        var options = new TokenBudgetOptions { ContextWindowTokens = tokens / 2, ReservedOutputTokens = 0, SafetyMarginTokens = 0, TruncateOversizeMessage = true };
        var reducer = new TokenBudgetChatReducer(model, options);
        var system = new ChatMessage(ChatRole.System, "Summarize.");
        var big = new ChatMessage(ChatRole.User, text);

        List<ChatMessage> sent = (await reducer.ReduceAsync([system, big], CancellationToken.None)).ToList();

        Assert.Equal(2, sent.Count);
        string cut = sent[1].Text;
        Assert.Matches(@"\n\[… \d+ tokens truncated …\]\n", cut);
        int marker = cut.IndexOf("\n[… ", StringComparison.Ordinal);
        Assert.StartsWith(cut[..marker], text, StringComparison.Ordinal);
        Assert.EndsWith(cut[(cut.IndexOf(" truncated …]\n", StringComparison.Ordinal) + 14)..], text, StringComparison.Ordinal);
        int sentTokens = 3 + 3 + counter.CountTokens("system") + counter.CountTokens("Summarize.") + 3 + counter.CountTokens("user") + counter.CountTokens(cut);
        Assert.InRange(sentTokens, (tokens / 2) - 200, tokens / 2);
        Assert.Same(text, big.Text);
    }

    private static string MixedText(int length)
    {
        string[] samples =
        [
            "The customer asked for a refund of the duplicate charge on invoice 2024-118; we approved it. ",
            "for (var i = 0; i < items.Count; i++) { total += items[i].Price * items[i].Quantity; }\n",
            "{\"orderId\":\"ORD-88231\",\"items\":[{\"sku\":\"A-17\",\"qty\":2}],\"total\":129.95}\n",
            "我们明天在北京开会，请准时参加。東京駅から新幹線で大阪へ行きます。오늘 날씨가 정말 좋네요. ",
            "Great job 🎉🚀 ✅ done 👍🏽 — café naïve résumé Ångström. ",
            "        \n\t\t    \n",
        ];
        var random = new Random(17);
        var text = new StringBuilder(length + 256);
        while (text.Length < length)
        {
            text.Append(samples[random.Next(samples.Length)]).Append(random.Next(100_000)).Append(' ');
        }

        return text.ToString(0, length);
    }
}
