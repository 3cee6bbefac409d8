using System.IO.Compression;
using System.Reflection;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>
/// The rank tables a byte-pair merge looks tokens up in (the packed and hashed tables, the direct table of
/// two-byte tokens and the filter that rules out non-tokens) find every token of both encodings with its own
/// rank: a token the filter wrongly ruled out would silently change counts.
/// </summary>
public class TiktokenVocabularyTests
{
    public static TheoryData<string> Encodings => new() { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_token_of_the_encoding_is_found_with_its_rank(string encoding)
    {
        TiktokenVocabulary vocabulary = TiktokenTokenCounter.ForEncoding(encoding).Vocabulary;
        int tokens = 0;
        var wrong = new List<string>();
        foreach ((byte[] token, int rank) in ReadVocabularyFile(encoding))
        {
            tokens++;
            int found = vocabulary.GetRank(token);
            if (token.Length == 2)
            {
                Assert.Equal(found, vocabulary.GetPairRank(token[0], token[1]));
            }

            if (found != rank && wrong.Count < 10)
            {
                wrong.Add($"{Convert.ToBase64String(token)}: rank {rank}, found {found}");
            }
        }

        Assert.True(tokens > 100_000, $"only {tokens} tokens read");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_byte_pair_has_the_same_rank_in_the_direct_table_as_in_the_hashed_one(string encoding)
    {
        TiktokenVocabulary vocabulary = TiktokenTokenCounter.ForEncoding(encoding).Vocabulary;
        byte[] pair = new byte[2];
        int pairTokens = 0;
        for (int first = 0; first < 256; first++)
        {
            for (int second = 0; second < 256; second++)
            {
                pair[0] = (byte)first;
                pair[1] = (byte)second;
                int direct = vocabulary.GetPairRank(pair[0], pair[1]);
                Assert.Equal(vocabulary.GetShortRank(TiktokenVocabulary.Pack(pair), 2), direct);
                pairTokens += direct == TiktokenVocabulary.NotAToken ? 0 : 1;
            }
        }

        // Both encodings hold thousands of two-byte tokens; the rest of the 65,536 pairs are none.
        Assert.InRange(pairTokens, 1_000, 65_535);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Byte_sequences_that_are_no_token_are_not_found(string encoding)
    {
        TiktokenVocabulary vocabulary = TiktokenTokenCounter.ForEncoding(encoding).Vocabulary;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach ((byte[] token, _) in ReadVocabularyFile(encoding))
        {
            known.Add(Convert.ToBase64String(token));
        }

        var random = new Random(7);
        int checkedSequences = 0;
        for (int i = 0; i < 200_000; i++)
        {
            byte[] bytes = new byte[2 + random.Next(9)];
            random.NextBytes(bytes);
            if (!known.Contains(Convert.ToBase64String(bytes)))
            {
                checkedSequences++;
                Assert.Equal(TiktokenVocabulary.NotAToken, vocabulary.GetRank(bytes));
            }
        }

        Assert.True(checkedSequences > 100_000);
    }

    /// <summary>Reads the encoding's vocabulary file as the data package ships it, independently of <see cref="TiktokenVocabulary"/>.</summary>
    private static List<(byte[] Token, int Rank)> ReadVocabularyFile(string encoding)
    {
        string assembly = encoding == TiktokenTokenCounter.O200kBase ? "Microsoft.ML.Tokenizers.Data.O200kBase" : "Microsoft.ML.Tokenizers.Data.Cl100kBase";
        using Stream compressed = Assembly.Load(assembly).GetManifestResourceStream(encoding + ".tiktoken.deflate")!;
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress));
        var tokens = new List<(byte[] Token, int Rank)>(200_000);
        int next = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line.Split(' ');
            int rank = fields.Length > 1 ? int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) : next;
            tokens.Add((Convert.FromBase64String(fields[0]), rank));
            next = rank + 1;
        }

        return tokens;
    }
}
