using System.Collections.Generic;
using System.Threading;
using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// TruncateOversizeMessage: one user message of 1 MB or 5 MB of mixed text, in a window that holds
/// about half of it, so each operation cuts it from the middle at token boundaries (the cut message
/// is new on every operation and counted again). Linear when the 5 MB row costs about five times the 1 MB row.
/// </summary>
[MemoryDiagnoser]
public class TruncationBenchmarks
{
    private List<ChatMessage> _conversation = null!;
    private TokenBudgetChatReducer _reducer = null!;

    /// <summary>Gets or sets the size of the oversize message in MB.</summary>
    [Params(1, 5)]
    public int Megabytes { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        string text = BenchmarkTexts.Mixed(11, Megabytes << 20);
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
}
