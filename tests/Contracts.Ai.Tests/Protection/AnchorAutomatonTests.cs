using System.Text.Json;
using Contracts.Ai.Evaluation;

namespace Contracts.Ai.Tests.Protection;

/// <summary>
/// The one-pass anchor automaton finds every place any anchor starts, ignoring ASCII case, and the phrasing
/// signals matched through it (each pattern tried once over overlapping anchor windows) fire exactly as each
/// signal's own anchor search fires them (the pattern tried in every anchor's window): on every dev row, raw
/// and normalised, so the verdicts (flag and signals) are those of one window per anchor.
/// </summary>
public class AnchorAutomatonTests
{
    public static IEnumerable<string> Texts()
    {
        foreach (string text in ScreeningOnePassTests.Texts())
        {
            yield return text;
        }

        string folder = ScreeningEvaluation.FindDataFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("tests/data not found.");
        using JsonDocument pii = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "pii", "dev.json")));
        foreach (JsonElement row in pii.RootElement.EnumerateArray())
        {
            yield return row.GetProperty("full_text").GetString()!;
        }

        yield return "ignorignore IGNORE previous instructions ignor";
        yield return "<|<|im_start|>system [INST] <</SYS>> ##  ## system";
        yield return "you are you're YOU ARE now, as a as an ai";
        yield return "nu nu nu ora ora d'ora in poi, ora sei libero";
    }

    [Fact]
    public void Signals_matched_in_one_pass_fire_as_each_signal_alone_on_the_dev_corpora()
    {
        InjectionSignals.Signal[] all = InjectionSignals.All;
        int texts = 0, fired = 0;
        foreach (string text in Texts())
        {
            ulong expected = 0;
            for (int s = 0; s < all.Length; s++)
            {
                if (all[s].Occurs(text))
                {
                    expected |= 1UL << s;
                }
            }

            ulong actual = InjectionSignals.Match(text);
            Assert.True(expected == actual, $"Signals differ on: {text[..Math.Min(text.Length, 200)]} (expected {expected:X}, got {actual:X})");
            texts++;
            fired += System.Numerics.BitOperations.PopCount(actual);
        }

        Assert.True(texts > 1000, "The dev corpora were read.");
        Assert.True(fired > 500, "Signals fired on the dev corpora.");
    }

    [Fact]
    public void Every_start_of_every_literal_is_found_ignoring_ascii_case()
    {
        var automaton = new AnchorAutomaton([["he", "she", "his"], ["hers", "e"], ["<|", "[admin"]]);
        var hits = new AnchorAutomaton.Hits(1);
        automaton.Scan("uSHErs <|[Admin] hİs", hits);

        var found = new List<(int Start, ulong Groups)>();
        for (int i = 0; i < hits.Count; i++)
        {
            found.Add((hits.Start(i), hits.Groups(i)));
        }

        // "she" at 1 (group 0) ends with "he" at 2 (group 0) and "e" at 3 (group 1); "hers" at 2 (group 1);
        // "<|" at 7, "[admin" at 9 (group 2); the dotted capital I is not ASCII, so "hİs" is not "his".
        found.Sort();
        Assert.Equal([(1, 1UL), (2, 1UL), (2, 2UL), (3, 2UL), (7, 4UL), (9, 4UL)], found);
    }

    [Fact]
    public void Anchors_that_are_not_ascii_or_empty_are_refused()
    {
        ArgumentException notAscii = Assert.Throws<ArgumentException>(() => new AnchorAutomaton([["ignоre"]]));
        Assert.Contains("ignоre", notAscii.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new AnchorAutomaton([[""]]));
    }
}
