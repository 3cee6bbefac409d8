using System.Text;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>
/// Counting and cutting text made to hurt a byte-pair merge: megabytes without white space (one piece the
/// pre-tokenizer cannot split), digit runs, emoji runs and random Unicode, in both encodings, down to the
/// budgeting path that truncates a huge tool result.
/// </summary>
public class HostileTruncationTests
{
    public static TheoryData<string> Encodings => new() { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase };

    public static TheoryData<string, string> EncodingsAndKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (string encoding in new[] { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase })
        {
            foreach (string kind in new[] { "letters", "digits", "emoji", "unicode" })
            {
                data.Add(encoding, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_long_piece_merged_window_by_window_counts_what_one_merge_of_the_whole_piece_counts(string encoding)
    {
        TiktokenVocabulary vocabulary = TiktokenTokenCounter.ForEncoding(encoding).Vocabulary;
        var mismatches = new List<string>();
        string[] kinds = ["a", "letters", "base64", "digits", "emoji", "unicode", "cjk", "bytes", "ab", "spaces"];
        for (int seed = 0; seed < 40; seed++)
        {
            string kind = kinds[seed % kinds.Length];
            int length = BytePairMerge.WindowBytes + 1 + new Random(seed).Next(4 * BytePairMerge.WindowBytes);
            byte[] piece = PieceBytes(kind, seed, length);
            int windowed = BytePairMerge.Count(vocabulary, piece);
            int whole = BytePairMerge.CountWhole(vocabulary, piece);
            if (windowed != whole)
            {
                mismatches.Add($"{kind} seed {seed}, {piece.Length} bytes: windows {windowed}, whole {whole}");
            }

            // Token starts too, not only the count.
            int[] starts = new int[piece.Length + 1];
            Assert.Equal(windowed, BytePairMerge.Split(vocabulary, piece, starts));
            Assert.Equal(piece.Length, starts[windowed]);
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Long_runs_without_white_space_count_as_Microsoft_ML_Tokenizers_counts_them(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        MlTokenizersTokenCounter reference = MlTokenizersTokenCounter.ForEncoding(encoding);
        foreach (string kind in new[] { "letters", "digits", "emoji", "cjk", "base64" })
        {
            // Several windows long, short enough for the reference's own merge.
            string text = HostileText(kind, 3, 3 * BytePairMerge.WindowBytes);
            Assert.True(reference.CountTokens(text) == counter.CountTokens(text), $"{kind}: {counter.CountTokens(text)} tokens, Microsoft.ML.Tokenizers counts {reference.CountTokens(text)}.");
        }
    }

    [Theory]
    [MemberData(nameof(EncodingsAndKinds))]
    public void A_cut_keeps_at_most_the_tokens_asked_and_the_next_token_would_exceed(string encoding, string kind)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        string text = HostileText(kind, 7, 1 << 20);
        int total = counter.CountTokens(text);
        foreach (int max in new[] { 1, 7, total / 3, total / 2, total - 2 })
        {
            int head = TokenBudgeter.CharsByTokenCount(counter, text, max, fromEnd: false);
            Assert.True(counter.CountTokens(text.AsSpan(0, head)) <= max, $"{kind}: the first {max} tokens end at {head} chars, which count {counter.CountTokens(text.AsSpan(0, head))}.");
            Assert.False(head > 0 && char.IsHighSurrogate(text[head - 1]), $"{kind}: the cut at {head} splits a surrogate pair.");

            // The next cut point (the next token that ends a character) holds more than max tokens.
            int next = head;
            for (int more = 1; next == head && more < 8; more++)
            {
                next = TokenBudgeter.CharsByTokenCount(counter, text, max + more, fromEnd: false);
            }

            Assert.True(next > head, $"{kind}: no cut after {head} chars.");
            Assert.True(counter.CountTokens(text.AsSpan(0, next)) > max, $"{kind}: the cut after the first {max} tokens at {head} chars is not the longest: {next} chars count {counter.CountTokens(text.AsSpan(0, next))}.");

            int tail = TokenBudgeter.CharsByTokenCount(counter, text, max, fromEnd: true);
            Assert.True(counter.CountTokens(text.AsSpan(text.Length - tail)) <= max + 2, $"{kind}: the last {max} tokens count {counter.CountTokens(text.AsSpan(text.Length - tail))}.");
            Assert.False(tail < text.Length && tail > 0 && char.IsLowSurrogate(text[text.Length - tail]), $"{kind}: the tail cut splits a surrogate pair.");
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_cut_inside_a_long_piece_resumed_at_a_window_join_is_the_cut_found_from_the_piece_start(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        ITokenCutFinder finder = counter;
        foreach (string kind in new[] { "lowercase", "emoji", "cjk", "unicode" })
        {
            // Words, then a piece of several windows (not at a chunk's start), then words again.
            string piece = kind == "lowercase" ? new string('a', 1) + Lowercase(5, 6 * BytePairMerge.WindowBytes) : HostileText(kind, 5, 2 * BytePairMerge.WindowBytes);
            string text = "Here is the dump you asked for: " + piece + " and that was all of it.\n";
            var checkpoints = new TokenCheckpoints();
            int total = finder.CountWithCheckpoints(text, checkpoints);
            Assert.Equal(counter.CountTokens(text), total);

            // Without checkpoints every cut walks the piece from its start: the reference.
            var none = new TokenCheckpoints();
            for (int tokens = 1; tokens < total; tokens += 1 + (tokens % 29))
            {
                foreach (bool roundUp in new[] { false, true })
                {
                    int resumed = finder.FindCut(text, checkpoints, tokens, roundUp, out int resumedBefore);
                    int walked = finder.FindCut(text, none, tokens, roundUp, out int walkedBefore);
                    Assert.True(
                        resumed == walked && resumedBefore == walkedBefore,
                        $"{kind}: the cut after {tokens} tokens (round up {roundUp}) is at {resumed} chars after {resumedBefore} tokens; walked from the start, at {walked} after {walkedBefore}.");
                }
            }
        }

        static string Lowercase(int seed, int length)
        {
            var random = new Random(seed);
            var text = new StringBuilder(length);
            for (int i = 0; i < length; i++)
            {
                text.Append((char)('a' + random.Next(26)));
            }

            return text.ToString();
        }
    }

    [Theory]
    [MemberData(nameof(EncodingsAndKinds))]
    public async Task A_huge_tool_result_is_cut_to_fit_the_window_exactly(string encoding, string kind)
    {
        string model = encoding == TiktokenTokenCounter.O200kBase ? "gpt-4o" : "gpt-4";
        ITokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        int megabytes = kind == "letters" ? 5 : 1;
        string result = HostileText(kind, 11, megabytes << 20);
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "You are a careful assistant."),
            new(ChatRole.User, "Read the dump and tell me what is in it."),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "read_dump", new Dictionary<string, object?> { ["id"] = "d-7" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", result)]),
        ];
        int limit = counter.CountTokens(result) / 3;
        var inner = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok")) { ModelId = model };
        using IChatClient client = new ChatClientBuilder(inner)
            .UseTokenBudget(o =>
            {
                o.ContextWindowTokens = limit;
                o.ReservedOutputTokens = 0;
                o.SafetyMarginTokens = 0;
                o.TruncateOversizeMessage = true;
            })
            .Build();

        await client.GetResponseAsync(messages);

        IReadOnlyList<ChatMessage> sent = inner.Requests[^1].Messages;
        Assert.Equal(4, sent.Count);
        var cut = Assert.IsType<FunctionResultContent>(Assert.Single(sent[3].Contents));
        Assert.Equal("c1", cut.CallId);
        string text = Assert.IsType<string>(cut.Result);
        int marker = text.IndexOf("\n[… ", StringComparison.Ordinal);
        int markerEnd = text.IndexOf(" tokens truncated …]\n", StringComparison.Ordinal) + " tokens truncated …]\n".Length;
        Assert.True(marker > 0, "The cut result has no truncation marker.");
        Assert.StartsWith(text[..marker], result, StringComparison.Ordinal);
        Assert.EndsWith(text[markerEnd..], result, StringComparison.Ordinal);

        // Exact: the request fits the window, and it is not cut by more than the marker's seams cost.
        var cache = new TokenCountCache();
        int tokens = 3;
        foreach (ChatMessage message in sent)
        {
            tokens += cache.CountMessage(message, counter, 1105);
        }

        Assert.InRange(tokens, limit - 8, limit);
        Assert.Same(result, ((FunctionResultContent)messages[3].Contents[0]).Result);
    }

    public static TheoryData<string, string> EncodingsAndSplicedKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (string encoding in new[] { TiktokenTokenCounter.O200kBase, TiktokenTokenCounter.Cl100kBase })
        {
            foreach (string kind in new[] { "letters", "lowercase", "letter", "spaces", "base64", "digits", "emoji", "unicode", "mixed" })
            {
                data.Add(encoding, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EncodingsAndSplicedKinds))]
    public void A_spliced_text_counted_from_the_whole_texts_checkpoints_counts_what_counting_it_anew_counts(string encoding, string kind)
    {
        // Cuts inside long pieces (the whole text is one piece for letters in cl100k_base, digits split every three), joined by
        // markers of every kind of seam: the spliced count reuses the long pieces' counts, and must equal a fresh count.
        var counter = (ITokenCutFinder)TiktokenTokenCounter.ForEncoding(encoding);
        var random = new Random(5);
        string[] middles = ["\n[… 123 tokens truncated …]\n", "", "x", "!!", " ", "\n", "😀", "abc", "\u0301"];
        for (int round = 0; round < 6; round++)
        {
            string text = (round % 2 == 0 ? "" : "intro text, ") + HostileText(kind, 40 + round, 200_000 + random.Next(100_000)) + (round % 3 == 0 ? "" : " outro.");
            var checkpoints = new TokenCheckpoints();
            int total = counter.CountWithCheckpoints(text, checkpoints);
            Assert.Equal(((ITokenCounter)counter).CountTokens(text), total);
            int head = counter.FindCut(text, checkpoints, random.Next(1, total / 2), roundUp: false, out int headTokens);
            int tailCut = counter.FindCut(text, checkpoints, random.Next(total / 2, total), roundUp: true, out int tailTokens);
            int tail = Math.Max(head, tailCut);
            string middle = middles[random.Next(middles.Length)];
            string spliced = string.Concat(text.AsSpan(0, head), middle, text.AsSpan(tail));

            int counted = counter.CountSpliced(spliced, checkpoints, new TokenSplice(head, headTokens, middle.Length, tail, tail == tailCut ? tailTokens : -1));

            Assert.Equal(((ITokenCounter)counter).CountTokens(spliced), counted);
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task A_three_megabyte_single_piece_is_cut_to_the_longest_head_and_tail_that_fit(string encoding)
    {
        // One piece without white space (random lowercase letters): the cut message is counted from the whole one's count.
        string model = encoding == TiktokenTokenCounter.O200kBase ? "gpt-4o" : "gpt-4";
        ITokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        var random = new Random(3);
        string text = string.Create(3 << 20, random, static (chars, random) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)('a' + random.Next(26));
            }
        });
        int textTokens = counter.CountTokens(text);
        List<ChatMessage> messages = [new(ChatRole.System, "Summarize."), new(ChatRole.User, text)];
        var reducer = new TokenBudgetChatReducer(model, new TokenBudgetOptions
        {
            ContextWindowTokens = textTokens / 2,
            ReservedOutputTokens = 0,
            SafetyMarginTokens = 0,
            TruncateOversizeMessage = true,
        });

        List<ChatMessage> reduced = [.. await reducer.ReduceAsync(messages, CancellationToken.None)];

        string cut = reduced[1].Text;
        int marker = cut.IndexOf("\n[… ", StringComparison.Ordinal);
        int markerEnd = cut.IndexOf(" tokens truncated …]\n", StringComparison.Ordinal) + " tokens truncated …]\n".Length;
        string head = cut[..marker];
        string tail = cut[markerEnd..];
        Assert.StartsWith(head, text, StringComparison.Ordinal);
        Assert.EndsWith(tail, text, StringComparison.Ordinal);

        // The request fits, within the seams' few tokens of the limit, and the head and tail keep about all the tokens that fit.
        var cache = new TokenCountCache();
        int tokens = 3;
        foreach (ChatMessage message in reduced)
        {
            tokens += cache.CountMessage(message, counter, 1105);
        }

        Assert.InRange(tokens, (textTokens / 2) - 8, textTokens / 2);
        Assert.True(counter.CountTokens(head) + counter.CountTokens(tail) >= (textTokens / 2) - 40, "The cut keeps far fewer tokens than fit.");
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_megabyte_of_one_letter_of_spaces_of_base64_or_of_digits_counts_what_the_reference_counts(string encoding)
    {
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        MlTokenizersTokenCounter reference = MlTokenizersTokenCounter.ForEncoding(encoding);
        TiktokenVocabulary vocabulary = counter.Vocabulary;
        const int Megabyte = 1 << 20;

        // Runs the pre-tokenizer cuts into short pieces: Microsoft.ML.Tokenizers counts the whole megabyte.
        foreach (string kind in new[] { "base64", "digits" })
        {
            string text = HostileText(kind, 9, Megabyte);
            Assert.True(reference.CountTokens(text) == counter.CountTokens(text), $"{kind}: {counter.CountTokens(text)} tokens, Microsoft.ML.Tokenizers counts {reference.CountTokens(text)}.");
        }

        // One piece of a megabyte (the reference's merge is quadratic there): the windowed count equals one merge of the whole
        // piece, and a few windows of it count what Microsoft.ML.Tokenizers counts.
        foreach (string run in new[] { new string('a', Megabyte), new string(' ', Megabyte), string.Concat(Enumerable.Repeat("ab", Megabyte / 2)) })
        {
            string name = run[..2] == "ab" ? "ab repeated" : run[0] == ' ' ? "spaces" : "one letter";
            byte[] piece = Encoding.UTF8.GetBytes(run);
            Assert.True(BytePairMerge.CountWhole(vocabulary, piece) == counter.CountTokens(run), $"{name}: {counter.CountTokens(run)} tokens, one merge of the whole piece {BytePairMerge.CountWhole(vocabulary, piece)}.");
            string few = run[..((3 * BytePairMerge.WindowBytes) + 17)];
            Assert.True(reference.CountTokens(few) == counter.CountTokens(few), $"{name}, {few.Length} chars: {counter.CountTokens(few)} tokens, Microsoft.ML.Tokenizers counts {reference.CountTokens(few)}.");

            // Inside text, a run of spaces before a word gives its last space to the word.
            Assert.True(reference.CountTokens("x" + few + "y") == counter.CountTokens("x" + few + "y"), $"{name} between two letters counts differently from Microsoft.ML.Tokenizers.");
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_cut_in_a_long_run_of_short_pieces_resumed_inside_the_chunk_is_the_cut_found_from_the_start(string encoding)
    {
        // Base64, digits and punctuation runs have no place where a piece must start, so the whole text is one chunk: the
        // checkpoints taken inside it must give the cuts a walk from the text's start gives.
        TiktokenTokenCounter counter = TiktokenTokenCounter.ForEncoding(encoding);
        ITokenCutFinder finder = counter;
        foreach (string kind in new[] { "base64", "digits", "emoji" })
        {
            string text = HostileText(kind, 13, 100_000);
            var checkpoints = new TokenCheckpoints();
            int total = finder.CountWithCheckpoints(text, checkpoints);
            Assert.Equal(counter.CountTokens(text), total);
            Assert.True(checkpoints.Count > 4, $"{kind}: only {checkpoints.Count} checkpoints in a 100,000-char text.");

            var none = new TokenCheckpoints();
            for (int tokens = 1; tokens < total; tokens += 1 + (tokens / 3))
            {
                foreach (bool roundUp in new[] { false, true })
                {
                    int resumed = finder.FindCut(text, checkpoints, tokens, roundUp, out int resumedBefore);
                    int walked = finder.FindCut(text, none, tokens, roundUp, out int walkedBefore);
                    Assert.True(
                        resumed == walked && resumedBefore == walkedBefore,
                        $"{kind}: the cut after {tokens} tokens (round up {roundUp}) is at {resumed} chars after {resumedBefore} tokens; walked from the start, at {walked} after {walkedBefore}.");
                    Assert.Equal(counter.CountTokens(text.AsSpan(0, resumed)), resumedBefore);
                }
            }
        }
    }

    /// <summary>Text without white space of one hostile kind, exactly <paramref name="length"/> chars (one fewer rather than a split surrogate pair).</summary>
    internal static string HostileText(string kind, int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 2);
        string[] emoji = ["😀", "🎉", "🚀", "✅", "👍🏽", "❤️", "🔥", "👨‍👩‍👧", "🇫🇷", "💡"];
        while (text.Length < length)
        {
            switch (kind)
            {
                case "letters":
                    text.Append((char)(random.Next(8) == 0 ? 'A' + random.Next(26) : 'a' + random.Next(26)));
                    break;
                case "digits":
                    text.Append((char)('0' + random.Next(10)));
                    break;
                case "emoji":
                    text.Append(emoji[random.Next(emoji.Length)]);
                    break;
                case "cjk":
                    text.Append((char)random.Next(0x4E00, 0x9FA5));
                    break;
                case "lowercase":
                    text.Append((char)('a' + random.Next(26)));
                    break;
                case "letter":
                    text.Append('a');
                    break;
                case "spaces":
                    text.Append(' ');
                    break;
                case "mixed":
                    string[] parts =
                    [
                        "The quick brown fox jumps over the lazy dog. ", "{\"id\": 12345, \"tags\": [\"a\", \"b\"]}\n", "if (x > 0) { return y; }\n",
                        "你好世界，这是测试。", "😀🎉 ", "\n\n", "   indented\n", "QUJDREVGR0g=", "2026-12-01T19:45:00Z ", "naïve café\r\n",
                    ];
                    text.Append(parts[random.Next(parts.Length)]);
                    break;
                case "base64":
                    text.Append("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[random.Next(64)]);
                    break;
                default:
                    int codePoint = random.Next(0x21, 0x30000);
                    if (codePoint is < 0xD800 or > 0xDFFF && !Rune.IsWhiteSpace(new Rune(codePoint)))
                    {
                        text.Append(char.ConvertFromUtf32(codePoint));
                    }

                    break;
            }
        }

        int end = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text.ToString(0, end);
    }

    internal static byte[] PieceBytes(string kind, int seed, int length)
    {
        var random = new Random(seed);
        switch (kind)
        {
            case "a":
                return Encoding.UTF8.GetBytes(new string('a', length));
            case "ab":
                var ab = new StringBuilder(length);
                while (ab.Length < length)
                {
                    ab.Append(random.Next(3) == 0 ? "ab" : "a");
                }

                return Encoding.UTF8.GetBytes(ab.ToString(0, length));
            case "spaces":
                return Encoding.UTF8.GetBytes(new string(' ', length));
            case "bytes":
                byte[] bytes = new byte[length];
                random.NextBytes(bytes);
                return bytes;
            default:
                return Encoding.UTF8.GetBytes(HostileText(kind, seed, length));
        }
    }
}
