using System.Collections.Generic;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// TruncateOversizeMessage: one user message of 1, 5 or 10 MB, in a window that holds about half of it,
/// so each operation cuts it from the middle at token boundaries (the cut message is new on every
/// operation and counted again). <c>Mixed</c> is prose, code, JSON, CJK and emoji; <c>NoWhitespace</c> is
/// one run of random lowercase letters, a single pre-tokenizer piece of the whole size (the case where a
/// byte-pair merge of the whole piece is superlinear). Linear when the cost per MB stays flat across sizes.
/// </summary>
[MemoryDiagnoser]
public class TruncationBenchmarks
{
    private List<ChatMessage> _conversation = null!;
    private TokenBudgetChatReducer _reducer = null!;

    /// <summary>Gets or sets the size of the oversize message in MB.</summary>
    [Params(1, 5, 10)]
    public int Megabytes { get; set; } = 1;

    /// <summary>Gets or sets the kind of text: <c>Mixed</c> or <c>NoWhitespace</c>.</summary>
    [Params("Mixed", "NoWhitespace")]
    public string Kind { get; set; } = "Mixed";

    [GlobalSetup]
    public void Setup()
    {
        string text = Kind == "Mixed" ? BenchmarkTexts.Mixed(11, Megabytes << 20) : LowercaseRun(11, Megabytes << 20);
        int tokens = TiktokenTokenCounter.ForEncoding(TiktokenTokenCounter.O200kBase).CountTokens(text);
        _conversation = [new ChatMessage(ChatRole.System, "You are a summarizer."), new ChatMessage(ChatRole.User, text)];
        _reducer = new TokenBudgetChatReducer("gpt-4o", new TokenBudgetOptions
        {
            ContextWindowTokens = tokens / 2,
            ReservedOutputTokens = 1_000,
            SafetyMarginTokens = 0,
            TruncateOversizeMessage = true,
        });
    }

    [Benchmark(Description = "Truncate one oversize message to half (TokenBudgetChatReducer)")]
    public int TruncateToHalf()
    {
        IEnumerable<ChatMessage> reduced = _reducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult();
        int length = 0;
        foreach (ChatMessage message in reduced)
        {
            length += message.Text.Length;
        }

        return length;
    }

    private static string LowercaseRun(int seed, int length)
    {
        var random = new System.Random(seed);
        return string.Create(length, random, static (chars, random) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)('a' + random.Next(26));
            }
        });
    }
}
