using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// Token budgeting: re-budgeting a growing 200-message (~100 KB) conversation where only the last
/// message is new, against recounting it with Microsoft.ML.Tokenizers and against MEAI's
/// MessageCountingChatReducer; and cold counting of 1 MB of mixed text against the tokenizer itself.
/// </summary>
[MemoryDiagnoser]
public class TokenBudgetBenchmarks
{
    private const int Messages = 200;
    private const string Model = "gpt-4o";

    private static readonly string[] Vocabulary = BuildVocabulary();
    private static readonly System.Text.Json.JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private readonly List<ChatMessage> _conversation = new(Messages);
    private TokenBudgetChatReducer _reducer = null!;
    private TokenBudgetChatReducer _trimmingReducer = null!;
#pragma warning disable MEAI001 // MessageCountingChatReducer is experimental in MEAI 10.11; used here only for comparison.
    private MessageCountingChatReducer _messageCountingReducer = null!;
#pragma warning restore MEAI001
    private TiktokenTokenizer _tokenizer = null!;
    private TiktokenTokenCounter _counter = null!;
    private string _mixedText = null!;
    private string[] _messageBodies = null!;
    private long _fresh;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _conversation.Add(new ChatMessage(ChatRole.System, "You are the support assistant of an online shop. Answer briefly and cite the order."));
        for (int i = 1; i < Messages; i++)
        {
            if (i % 20 == 10)
            {
                string callId = "call_" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
                _conversation.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, "lookup_order", new Dictionary<string, object?> { ["orderId"] = "ORD-" + i, ["includeItems"] = true })]));
                _conversation.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, Sentence(random, 70))]));
                i++;
                continue;
            }

            _conversation.Add(new ChatMessage(i % 2 == 1 ? ChatRole.User : ChatRole.Assistant, Sentence(random, 85)));
        }

        _reducer = new TokenBudgetChatReducer(Model, new TokenBudgetOptions());

        // A window that forces the oldest quarter of the conversation out on every call.
        _trimmingReducer = new TokenBudgetChatReducer(Model, new TokenBudgetOptions { ContextWindowTokens = 20_000, ReservedOutputTokens = 1_000, SafetyMarginTokens = 0 });
#pragma warning disable MEAI001 // See the field.
        _messageCountingReducer = new MessageCountingChatReducer(150);
#pragma warning restore MEAI001
        _tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");
        _counter = TiktokenTokenCounter.ForEncoding("o200k_base");
        _mixedText = MixedText(random, 1 << 20);

        // Bodies of the 500 B new messages: 256 different slices of mixed text (prose, code, JSON, CJK, emoji).
        string bodies = BenchmarkTexts.Mixed(21, 256 * 480 + 16);
        _messageBodies = new string[256];
        for (int i = 0, start = 0; i < _messageBodies.Length; i++)
        {
            int length = char.IsHighSurrogate(bodies[start + 479]) ? 479 : 480;
            _messageBodies[i] = bodies.Substring(start, length);
            start += length;
        }

        _ = _reducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult();
        _ = _trimmingReducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Builds a message no call has seen (a running number in its text), the way a new user turn
    /// arrives. Each operation of the "last one new" benchmarks builds one, so every operation really
    /// tokenizes a new message; <see cref="BuildFreshMessageOnly"/> measures this part alone, to subtract.
    /// </summary>
    private ChatMessage FreshMessage()
    {
        long n = ++_fresh;
        return new ChatMessage(ChatRole.User, $"Follow-up {n}: where is my parcel for order ORD-{n * 7 + 3}? It was due yesterday.");
    }

    /// <summary>A never-seen message of about 500 B: a running number, then one of 256 bodies of mixed text.</summary>
    private ChatMessage FreshMessage500()
    {
        long n = ++_fresh;
        return new ChatMessage(ChatRole.User, $"Follow-up {n}: {_messageBodies[n & 255]}");
    }

    [Benchmark(Description = "Build the new last message only (subtract from the rows that build one)")]
    public int BuildFreshMessageOnly() => FreshMessage().Text.Length;

    [Benchmark(Description = "Re-budget 200 messages (~100 KB), last one new (TokenBudgetChatReducer)")]
    public int Rebudget200MessagesLastNew()
    {
        _conversation[Messages - 1] = FreshMessage();
        return Count(_reducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult());
    }

    [Benchmark(Description = "Build a new 500 B last message only (subtract from the 500 B row)")]
    public int BuildFreshMessage500Only() => FreshMessage500().Text.Length;

    [Benchmark(Description = "Re-budget 200 messages (~100 KB), last one new and 500 B (TokenBudgetChatReducer)")]
    public int Rebudget200MessagesLastNew500B()
    {
        _conversation[Messages - 1] = FreshMessage500();
        return Count(_reducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult());
    }

    [Benchmark(Description = "Same, window forces trimming (result list allocated)")]
    public int Rebudget200MessagesLastNewTrimming()
    {
        _conversation[Messages - 1] = FreshMessage();
        return Count(_trimmingReducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult());
    }

    [Benchmark(Description = "Build and count the new last message alone with Microsoft.ML.Tokenizers")]
    public int CountFreshMessageWithTokenizer() => _tokenizer.CountTokens(FreshMessage().Text);

    [Benchmark(Description = "Re-budget 200 messages (~100 KB), nothing new")]
    public int Rebudget200MessagesNothingNew() => Count(_reducer.ReduceAsync(_conversation, CancellationToken.None).GetAwaiter().GetResult());

    [Benchmark(Description = "Recount 200 messages with Microsoft.ML.Tokenizers")]
    public int Recount200MessagesWithTokenizer()
    {
        int total = 3;
        foreach (ChatMessage message in _conversation)
        {
            total += 3 + _tokenizer.CountTokens(message.Role.Value);
            foreach (AIContent content in message.Contents)
            {
                total += content switch
                {
                    TextContent text => _tokenizer.CountTokens(text.Text),
                    FunctionCallContent call => _tokenizer.CountTokens(call.Name) + _tokenizer.CountTokens(System.Text.Json.JsonSerializer.Serialize(call.Arguments, CompactJson.GetTypeInfo(typeof(IDictionary<string, object?>)))),
                    FunctionResultContent result => _tokenizer.CountTokens((string)result.Result!),
                    _ => 0,
                };
            }
        }

        return total;
    }

    [Benchmark(Description = "MEAI MessageCountingChatReducer(150) on the same 200 messages")]
    public async Task<int> MeaiMessageCountingReducer() => Count(await _messageCountingReducer.ReduceAsync(_conversation, CancellationToken.None));

    [Benchmark(Baseline = true, Description = "Count 1 MB mixed text: Microsoft.ML.Tokenizers directly")]
    public int Count1MBWithTokenizer() => _tokenizer.CountTokens(_mixedText);

    [Benchmark(Description = "Count 1 MB mixed text: TiktokenTokenCounter")]
    public int Count1MBWithCounter() => _counter.CountTokens(_mixedText);

    private static int Count(IEnumerable<ChatMessage> messages) => messages is ICollection<ChatMessage> collection ? collection.Count : 0;

    private static string Sentence(Random random, int words)
    {
        var text = new StringBuilder();
        for (int i = 0; i < words; i++)
        {
            if (i > 0)
            {
                text.Append(i % 12 == 0 ? ". " : " ");
            }

            text.Append(Vocabulary[random.Next(Vocabulary.Length)]);
        }

        return text.Append('.').ToString();
    }

    private static string MixedText(Random random, int length)
    {
        string[] samples =
        [
            "The customer asked for a refund of the duplicate charge on invoice 2024-118; we approved it within two business days. ",
            "public static int Add(int a, int b) => a + b;\nfor (var i = 0; i < items.Count; i++) { total += items[i].Price * items[i].Quantity; }\n",
            "{\"orderId\":\"ORD-88231\",\"items\":[{\"sku\":\"A-17\",\"qty\":2},{\"sku\":\"B-4\",\"qty\":1}],\"total\":129.95,\"currency\":\"EUR\"}\n",
            "我们明天在北京开会，请准时参加。東京駅から新幹線で大阪へ行きます。오늘 날씨가 정말 좋네요. ",
            "Great job 🎉🚀 ✅ done 👍🏽 — café naïve résumé Ångström. ",
            "        \n\t\t    \n",
        ];
        var text = new StringBuilder(length + 256);
        while (text.Length < length)
        {
            text.Append(samples[random.Next(samples.Length)]);
            text.Append(Vocabulary[random.Next(Vocabulary.Length)]).Append(' ');
        }

        return text.ToString(0, length);
    }

    private static string[] BuildVocabulary()
    {
        string[] stems = ["order", "parcel", "refund", "invoice", "deliver", "account", "payment", "address", "return", "warranty", "discount", "shipping", "customer", "support", "ticket", "status", "update", "confirm", "cancel", "schedule"];
        string[] endings = ["", "s", "ed", "ing", "er", "able", "ment", "ation"];
        string[] small = ["the", "a", "to", "of", "and", "in", "is", "it", "for", "on", "with", "we", "you", "your", "our", "was", "will", "can", "not", "please"];
        var words = new List<string>(small);
        foreach (string stem in stems)
        {
            foreach (string ending in endings)
            {
                words.Add(stem + ending);
            }
        }

        for (int i = 0; i < 40; i++)
        {
            words.Add("ORD-" + (10_000 + i * 37).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return words.ToArray();
    }
}
