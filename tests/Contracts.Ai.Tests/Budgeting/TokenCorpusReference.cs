using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>The committed token corpora (TokenCorpus/) with the counts OpenAI's tiktoken gave, and the comparison of a counter with them.</summary>
internal static class TokenCorpusReference
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Budgeting", "TokenCorpus");

    /// <summary>Reads a corpus and tiktoken's counts of it for <paramref name="encoding"/>.</summary>
    public static (string[] Texts, int[] Counts) Load(string corpusFile, string countsFile, string encoding)
    {
        string[] texts = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(Folder, corpusFile)))!;
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, countsFile)));
        JsonElement counts = expected.RootElement.GetProperty(encoding);
        var result = new int[counts.GetArrayLength()];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = counts[i].GetInt32();
        }

        return (texts, result);
    }

    /// <summary>Asserts that <paramref name="encoding"/>'s counter counts every text as tiktoken did, listing every text that differs.</summary>
    public static void AssertCountsEqual(string encoding, string[] texts, int[] counts)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        var mismatches = new List<string>();
        for (int i = 0; i < texts.Length; i++)
        {
            int actual = counter.CountTokens(texts[i]);
            if (actual != counts[i])
            {
                mismatches.Add($"#{i} {JsonSerializer.Serialize(Shorten(texts[i]))}: tiktoken {counts[i]}, counted {actual}");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {texts.Length} texts differ from tiktoken ({encoding}):\n" + string.Join("\n", mismatches));
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
