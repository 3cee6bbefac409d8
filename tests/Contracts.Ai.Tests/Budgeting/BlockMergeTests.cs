using System.Text;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>
/// Pieces of up to a window are merged with block minimums instead of a heap (runs of one byte still by the heap):
/// the tokens must start at exactly the bytes where one heap merge of the piece starts them, for every kind of text,
/// in both encodings, at the lengths where blocks, vectors and windows begin and end.
/// </summary>
public class BlockMergeTests
{
    public static TheoryData<string> Encodings => new() { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase };

    private static readonly string[] Kinds = ["letters", "base64", "digits", "emoji", "unicode", "cjk", "bytes", "ab", "a", "spaces"];

    private static readonly int[] Lengths = [2, 3, 63, 64, 65, 66, 95, 96, 97, 127, 128, 129, 511, 512, 513, BytePairMerge.WindowBytes - 1, BytePairMerge.WindowBytes];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Pieces_up_to_a_window_start_their_tokens_where_one_heap_merge_starts_them(string encoding)
    {
        TiktokenVocabulary vocabulary = TiktokenTokenCounter.ForEncoding(encoding).Vocabulary;
        var mismatches = new List<string>();
        int seed = 0;
        foreach (string kind in Kinds)
        {
            foreach (int length in Lengths)
            {
                seed++;
                byte[] piece = HostileTruncationTests.PieceBytes(kind, seed, length)[..length];
                Compare(vocabulary, kind, seed, piece, mismatches);
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Random_pieces_of_random_lengths_start_their_tokens_where_one_heap_merge_starts_them(string encoding)
    {
        TiktokenVocabulary vocabulary = TiktokenTokenCounter.ForEncoding(encoding).Vocabulary;
        var mismatches = new List<string>();
        var random = new Random(20261201);
        for (int i = 0; i < 300; i++)
        {
            string kind = Kinds[i % Kinds.Length];
            int length = 2 + random.Next(BytePairMerge.WindowBytes - 1);
            byte[] piece = HostileTruncationTests.PieceBytes(kind, i, length)[..length];
            Compare(vocabulary, kind, i, piece, mismatches);
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_run_of_one_byte_broken_by_one_other_byte_merges_as_the_heap_merges_it(string encoding)
    {
        // Nearly a run of one byte: the blocks take it (only an unbroken run goes to the heap), and must agree with the heap.
        TiktokenVocabulary vocabulary = TiktokenTokenCounter.ForEncoding(encoding).Vocabulary;
        var mismatches = new List<string>();
        foreach (char fill in new[] { ' ', 'a', '0' })
        {
            foreach (int at in new[] { 0, 1, 31, 32, 500, BytePairMerge.WindowBytes - 1 })
            {
                char[] chars = new string(fill, BytePairMerge.WindowBytes).ToCharArray();
                chars[at] = 'x';
                Compare(vocabulary, $"'{fill}' with x at {at}", 0, Encoding.UTF8.GetBytes(chars), mismatches);
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Texts_of_a_window_and_around_count_what_Microsoft_ML_Tokenizers_counts(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        MlTokenizersTokenCounter reference = MlTokenizersTokenCounter.ForEncoding(encoding);
        foreach (string kind in new[] { "letters", "base64", "digits", "emoji", "cjk" })
        {
            foreach (int length in new[] { 65, 500, BytePairMerge.WindowBytes - 1, BytePairMerge.WindowBytes, BytePairMerge.WindowBytes + 1, 3000 })
            {
                string text = HostileTruncationTests.HostileText(kind, length, length);
                Assert.True(reference.CountTokens(text) == counter.CountTokens(text), $"{kind}, {text.Length} chars: {counter.CountTokens(text)} tokens, Microsoft.ML.Tokenizers counts {reference.CountTokens(text)}.");
            }
        }
    }

    private static void Compare(TiktokenVocabulary vocabulary, string kind, int seed, byte[] piece, List<string> mismatches)
    {
        int[] expected = new int[piece.Length + 1];
        int[] actual = new int[piece.Length + 1];
        int expectedCount = BytePairMerge.SplitWhole(vocabulary, piece, expected);
        int actualCount = BytePairMerge.Split(vocabulary, piece, actual);
        int counted = vocabulary.GetRank(piece) != TiktokenVocabulary.NotAToken ? 1 : BytePairMerge.Count(vocabulary, piece);
        if (actualCount != expectedCount || counted != expectedCount || !actual.AsSpan(0, actualCount + 1).SequenceEqual(expected.AsSpan(0, expectedCount + 1)))
        {
            mismatches.Add($"{kind} seed {seed}, {piece.Length} bytes: heap {expectedCount} tokens, split {actualCount}, count {counted}");
        }
    }
}
