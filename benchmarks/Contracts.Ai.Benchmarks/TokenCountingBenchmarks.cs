using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Microsoft.ML.Tokenizers;
using SharpToken;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// Counting tokens of the same text with TiktokenTokenCounter, Microsoft.ML.Tokenizers' TiktokenTokenizer
/// (the baseline) and SharpToken, single-threaded, for each kind of text; all three cache pieces.
/// The "message 500 B" rows count one 500-character message per operation, cycling through 512
/// different ones, the way each new chat message is counted once.
/// </summary>
[MemoryDiagnoser]
public class TokenCountingBenchmarks
{
    private const int MessageChars = 500;
    private const int Messages = 512;

    private TiktokenTokenCounter _counter = null!;
    private TiktokenTokenizer _tokenizer = null!;
    private GptEncoding _sharpToken = null!;
    private string _text = null!;
    private string[] _messages = null!;
    private int _next;
    private bool _isMessage;

    /// <summary>Gets or sets the encoding and the text that is counted: every kind of text in o200k_base (the encoding of current models), the mix, emoji and the messages in both.</summary>
    [Params(
        "o200k_base: mixed 1 MB", "o200k_base: prose 128 KB", "o200k_base: code 128 KB", "o200k_base: json 128 KB", "o200k_base: cjk 128 KB", "o200k_base: emoji 128 KB", "o200k_base: message 500 B",
        "cl100k_base: mixed 1 MB", "cl100k_base: emoji 128 KB", "cl100k_base: message 500 B")]
    public string Case { get; set; } = "o200k_base: mixed 1 MB";

    [GlobalSetup]
    public void Setup()
    {
        string encoding = Case[..Case.IndexOf(':', System.StringComparison.Ordinal)];
        string text = Case[(encoding.Length + 2)..];
        _counter = TiktokenTokenCounter.ForEncoding(encoding);
        _tokenizer = TiktokenTokenizer.CreateForEncoding(encoding);
        _sharpToken = GptEncoding.GetEncoding(encoding);
        _isMessage = text == "message 500 B";
        const int Kb128 = 128 * 1024;
        _text = text switch
        {
            "mixed 1 MB" => BenchmarkTexts.Mixed(1, 1 << 20),
            "prose 128 KB" => BenchmarkTexts.Prose(2, Kb128),
            "code 128 KB" => BenchmarkTexts.Code(3, Kb128),
            "json 128 KB" => BenchmarkTexts.Json(4, Kb128),
            "cjk 128 KB" => BenchmarkTexts.Cjk(5, Kb128),
            "emoji 128 KB" => BenchmarkTexts.EmojiChat(6, Kb128),
            _ => string.Empty,
        };

        // 512 different messages of mixed text, cut where no surrogate pair is split.
        var messages = new List<string>(Messages);
        string source = BenchmarkTexts.Mixed(7, Messages * MessageChars + 16);
        for (int start = 0; messages.Count < Messages;)
        {
            int length = char.IsHighSurrogate(source[start + MessageChars - 1]) ? MessageChars - 1 : MessageChars;
            messages.Add(source.Substring(start, length));
            start += length;
        }

        _messages = messages.ToArray();
    }

    private string Next() => _isMessage ? _messages[_next++ & (Messages - 1)] : _text;

    [Benchmark(Baseline = true, Description = "Microsoft.ML.Tokenizers")]
    public int MlTokenizers() => _tokenizer.CountTokens(Next());

    [Benchmark(Description = "TiktokenTokenCounter")]
    public int Ours() => _counter.CountTokens(Next());

    [Benchmark(Description = "SharpToken")]
    public int SharpToken() => _sharpToken.CountTokens(Next());
}
