using System.Collections.Generic;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// TruncateOversizeMessage: one user message of 1, 5 or 10 MB, in a window that holds about half of it,
/// so each operation cuts it from the middle at token boundaries. <c>TruncateToHalfFirstTime</c> does it with a new
/// reducer, which counts the message (once, keeping the checkpoints the cut needs); <c>TruncateToHalf</c> reuses one reducer,
/// which remembers the message's count and checkpoints, so it measures the cut, the count of the cut message and the copy. <c>Mixed</c> is prose, code, JSON, CJK and emoji; <c>NoWhitespace</c> is
/// one run of random lowercase letters, a single pre-tokenizer piece of the whole size (the case where a
/// byte-pair merge of the whole piece is superlinear). The other kinds are single pieces too, of text an
/// attacker may send: <c>RepeatedLetter</c> (one letter repeated), <c>Spaces</c>, <c>Base64</c> (random
/// base64 without line breaks) and <c>Digits</c> (pre-tokenized into runs of up to three digits). Linear when
/// the cost per MB stays flat across sizes.
/// </summary>
[MemoryDiagnoser]
public class TruncationBenchmarks
{
    private List<ChatMessage> _conversation = null!;
    private TokenBudgetOptions _options = null!;
    private TokenBudgetChatReducer _reducer = null!;

    /// <summary>Gets or sets the size of the oversize message in MB.</summary>
    [Params(1, 5, 10)]
    public int Megabytes { get; set; } = 1;

    /// <summary>Gets or sets the kind of text: <c>Mixed</c>, <c>NoWhitespace</c>, <c>RepeatedLetter</c>, <c>Spaces</c>, <c>Base64</c> or <c>Digits</c>.</summary>
    [Params("Mixed", "NoWhitespace", "RepeatedLetter", "Spaces", "Base64", "Digits")]
    public string Kind { get; set; } = "Mixed";

    [GlobalSetup]
    public void Setup()
    {
        string text = Text(Kind, Megabytes << 20);
        int tokens = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase).CountTokens(text);
        _conversation = [new ChatMessage(ChatRole.System, "You are a summarizer."), new ChatMessage(ChatRole.User, text)];
        _options = new TokenBudgetOptions
        {
            ContextWindowTokens = tokens / 2,
            ReservedOutputTokens = 1_000,
            SafetyMarginTokens = 0,
            TruncateOversizeMessage = true,
        };
        _reducer = new TokenBudgetChatReducer("gpt-4o", _options);
    }

    /// <summary>The same conversation again: the message's count is remembered, and so are the checkpoints taken when it was counted.</summary>
    [Benchmark(Description = "Truncate one oversize message to half (TokenBudgetChatReducer)")]
    public int TruncateToHalf() => Reduce(_reducer);

    /// <summary>A reducer with nothing remembered: the message is counted (the only byte-pair merge of the whole text) and cut.</summary>
    [Benchmark(Description = "Truncate one oversize message to half, first time (new TokenBudgetChatReducer)")]
    public int TruncateToHalfFirstTime() => Reduce(new TokenBudgetChatReducer("gpt-4o", _options));

    private int Reduce(TokenBudgetChatReducer reducer)
    {
        IEnumerable<ChatMessage> reduced = reducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult();
        int length = 0;
        foreach (ChatMessage message in reduced)
        {
            length += message.Text.Length;
        }

        return length;
    }

    /// <summary>The text of one kind, <paramref name="length"/> characters long.</summary>
    public static string Text(string kind, int length) => kind switch
    {
        "Mixed" => BenchmarkTexts.Mixed(11, length),
        "NoWhitespace" => RandomRun(11, length, "abcdefghijklmnopqrstuvwxyz"),
        "RepeatedLetter" => new string('a', length),
        "Spaces" => new string(' ', length),
        "Base64" => RandomRun(11, length, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
        "Digits" => RandomRun(11, length, "0123456789"),
        _ => throw new System.ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of text."),
    };

    private static string RandomRun(int seed, int length, string alphabet)
    {
        var random = new System.Random(seed);
        return string.Create(length, (random, alphabet), static (chars, state) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = state.alphabet[state.random.Next(state.alphabet.Length)];
            }
        });
    }
}
