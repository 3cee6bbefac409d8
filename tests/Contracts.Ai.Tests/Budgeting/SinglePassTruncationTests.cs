using System.Text;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>
/// Truncation that merges a huge text once: the checkpoints are taken when the message is counted and reused by the cut;
/// a piece of the head that the marker extends is merged again from a remembered window join; and base64-like text is split
/// in chunks where a digit follows a letter. Every count and cut must stay the reference tokenizer's.
/// </summary>
public class SinglePassTruncationTests
{
    // The kinds of text the truncation benchmark cuts.
    private static readonly string[] Kinds = ["mixed", "lowercase", "letter", "spaces", "base64", "digits"];

    public static TheoryData<string, string> EncodingsAndKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (string encoding in new[] { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase })
        {
            foreach (string kind in Kinds)
            {
                data.Add(encoding, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EncodingsAndKinds))]
    public void Checkpoints_taken_when_a_message_is_counted_equal_those_taken_apart_and_find_the_same_cuts(string encoding, string kind)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        ITokenCutFinder finder = counter;
        string text = HostileTruncationTests.HostileText(kind, 21, 150_000);
        var cache = new TokenCountCache();

        int messageTokens = cache.CountMessage(new ChatMessage(ChatRole.User, text), counter, 1105);

        TokenCheckpoints? remembered = cache.CheckpointsOf(text, counter);
        Assert.NotNull(remembered);
        int total = counter.CountTokens(text);
        Assert.Equal(total, remembered.Total);
        Assert.Equal(total + ((ITokenCounter)counter).Overhead.PerMessage + counter.CountTokens("user"), messageTokens);

        var apart = new TokenCheckpoints();
        Assert.Equal(total, finder.CountWithCheckpoints(text, apart));
        Assert.Equal(apart.Count, remembered.Count);
        for (int tokens = 1; tokens < total; tokens += 1 + (tokens / 5))
        {
            foreach (bool roundUp in new[] { false, true })
            {
                int fromCount = finder.FindCut(text, remembered, tokens, roundUp, out int fromCountBefore);
                int fromApart = finder.FindCut(text, apart, tokens, roundUp, out int fromApartBefore);
                Assert.True(
                    fromCount == fromApart && fromCountBefore == fromApartBefore,
                    $"{kind}: after {tokens} tokens (round up {roundUp}) the remembered checkpoints cut at {fromCount} after {fromCountBefore}, taken apart at {fromApart} after {fromApartBefore}.");
            }
        }

        // Another counter, or an equal text in another string, finds none: the checkpoints belong to what was counted.
        Assert.Null(cache.CheckpointsOf(text, TiktokenTokenCounter.ForEncoding(encoding == TiktokenTokenCounter.O200kBase ? TiktokenTokenCounter.Cl100kBase : TiktokenTokenCounter.O200kBase)));
        Assert.Null(cache.CheckpointsOf(new string(text.AsSpan()), counter));
    }

    [Fact]
    public void Short_texts_are_counted_without_checkpoints()
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase);
        var cache = new TokenCountCache();
        string text = new('a', TokenCountCache.CheckpointedChars - 1);

        cache.CountMessage(new ChatMessage(ChatRole.User, text), counter, 1105);

        Assert.Null(cache.CheckpointsOf(text, counter));
    }

    [Theory]
    [MemberData(nameof(EncodingsAndKinds))]
    public async Task A_message_cut_the_first_time_again_and_as_an_equal_copy_is_cut_alike_and_fits_exactly(string encoding, string kind)
    {
        string model = encoding == TiktokenTokenCounter.O200kBase ? "gpt-4o" : "gpt-4";
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        string text = HostileTruncationTests.HostileText(kind, 23, 300_000);
        int textTokens = counter.CountTokens(text);
        var options = new TokenBudgetOptions { ContextWindowTokens = textTokens / 2, ReservedOutputTokens = 0, SafetyMarginTokens = 0, TruncateOversizeMessage = true };
        List<ChatMessage> messages = [new(ChatRole.System, "Summarize."), new(ChatRole.User, text)];
        var reducer = new TokenBudgetChatReducer(model, options);

        string first = (await reducer.ReduceAsync(messages, CancellationToken.None)).Last().Text;
        string again = (await reducer.ReduceAsync(messages, CancellationToken.None)).Last().Text;

        // An equal text in a new string: its count is found by content, its checkpoints are taken by the cut.
        List<ChatMessage> reloaded = [new(ChatRole.System, "Summarize."), new(ChatRole.User, new string(text.AsSpan()))];
        string copy = (await reducer.ReduceAsync(reloaded, CancellationToken.None)).Last().Text;

        Assert.Equal(first, again);
        Assert.Equal(first, copy);
        Assert.Contains(" tokens truncated …]\n", first, StringComparison.Ordinal);

        // The cut message's count, found from the whole one's, is what counting it anew gives; the request fits the window.
        var fresh = new TokenCountCache();
        int tokens = ((ITokenCounter)counter).Overhead.PerRequest + fresh.CountMessage(new ChatMessage(ChatRole.System, "Summarize."), counter, 1105) + fresh.CountMessage(new ChatMessage(ChatRole.User, first), counter, 1105);
        Assert.InRange(tokens, (textTokens / 2) - 8, textTokens / 2);
    }

    [Theory]
    [MemberData(nameof(HostileTruncationTests.Encodings), MemberType = typeof(HostileTruncationTests))]
    public void A_run_of_spaces_cut_before_the_marker_is_counted_from_a_join_near_the_cut(string encoding)
    {
        // The head's spaces and the marker's line feed make one new piece: it resumes the merge of the remembered run of spaces
        // at a join near the cut, and counts what a merge of the whole piece counts.
        var counter = TiktokenTokenCounter.ForEncoding(encoding);
        ITokenCutFinder finder = counter;
        foreach (string run in new[] { new string(' ', 200_000), "intro " + new string(' ', 200_000) + "x", new string(' ', 50_000) + "\t" + new string(' ', 50_000) })
        {
            var checkpoints = new TokenCheckpoints();
            int total = finder.CountWithCheckpoints(run, checkpoints);
            foreach (int keep in new[] { 700, total / 3, total / 2, total - 3 })
            {
                int head = finder.FindCut(run, checkpoints, keep, roundUp: false, out int headTokens);
                int tailCut = finder.FindCut(run, checkpoints, Math.Max(keep, total - (keep / 2)), roundUp: true, out int tailTokens);
                int tail = Math.Max(head, tailCut);
                const string Marker = "\n[… 4321 tokens truncated …]\n";
                string spliced = string.Concat(run.AsSpan(0, head), Marker, run.AsSpan(tail));

                int counted = finder.CountSpliced(spliced, checkpoints, new TokenSplice(head, headTokens, Marker.Length, tail, tail == tailCut ? tailTokens : -1));

                Assert.Equal(counter.CountTokens(spliced), counted);
            }
        }

        var spaces = new TokenCheckpoints();
        string text = new(' ', 100_000);
        finder.CountWithCheckpoints(text, spaces);
        int headChars = 60_000;
        Assert.True(spaces.TryFindHeadJoin(0, headChars, headChars, out WindowJoin join), "No join of the run of spaces lies before the cut.");
        Assert.InRange(join.Window * (BytePairMerge.WindowBytes - BytePairMerge.OverlapBytes), headChars - (3 * BytePairMerge.WindowBytes), headChars - BytePairMerge.WindowBytes);
        byte[] piece = Encoding.UTF8.GetBytes(new string(' ', headChars) + "\n");
        Assert.Equal(BytePairMerge.CountWhole(counter.Vocabulary, piece), BytePairMerge.CountFrom(counter.Vocabulary, piece, join));

        // A join whose window the spliced piece does not share is not offered.
        Assert.False(spaces.TryFindHeadJoin(0, 500, 500, out _));
        Assert.False(spaces.TryFindHeadJoin(1, headChars, headChars, out _));
    }

    [Theory]
    [MemberData(nameof(HostileTruncationTests.Encodings), MemberType = typeof(HostileTruncationTests))]
    public void Text_split_in_chunks_where_a_digit_follows_a_letter_counts_what_Microsoft_ML_Tokenizers_counts(string encoding)
    {
        // Letters of every kind before digits at chunk-sized distances: contractions, capitals, marks, other scripts, line breaks.
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        MlTokenizersTokenCounter reference = MlTokenizersTokenCounter.ForEncoding(encoding);
        string[] parts = ["a", "Z", "abc", "ABC", "'s", "'S", "'ll", "é", "e\u0301", "ж", "字", "1", "23", "456", "7890", "+", "/", "=", "\n", " ", "_", "'"];
        for (int seed = 0; seed < 4; seed++)
        {
            var random = new Random(seed);
            var text = new StringBuilder();
            while (text.Length < 40_000)
            {
                // Half the texts without white space, where only a digit after a letter can end a chunk.
                string part = parts[random.Next(parts.Length)];
                text.Append(seed % 2 == 1 && part is " " or "\n" ? "-" : part);
            }

            string value = text.ToString();
            Assert.True(reference.CountTokens(value) == counter.CountTokens(value), $"seed {seed}: {counter.CountTokens(value)} tokens, Microsoft.ML.Tokenizers counts {reference.CountTokens(value)}.");
        }
    }
}
