using System;
using System.Text;

namespace Contracts.Ai.Benchmarks;

/// <summary>Synthetic text of the kinds a chat app counts: English prose, code, JSON, CJK, emoji-heavy chat, and a mix of them. Deterministic for a seed.</summary>
internal static class BenchmarkTexts
{
    private static readonly string[] EnglishWords =
    [
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he", "this", "are",
        "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her",
        "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "customer", "order", "delivery", "refund",
        "invoice", "account", "payment", "support", "request", "question", "answer", "policy", "contract", "document", "summary",
        "quarterly", "report", "revenue", "growth", "market", "product", "service", "quality", "experience", "between", "through",
        "because", "however", "although", "therefore", "available", "important", "different", "following", "information",
        "development", "government", "international", "responsibility", "characteristics", "unfortunately", "approximately",
        "shipment", "warehouse", "tracking", "schedule", "confirmed", "cancelled", "processed", "received", "returned", "replaced",
        "Monday", "Tuesday", "January", "London", "Paris", "Microsoft", "OpenAI", "Europe", "America", "John", "Mary", "Smith",
    ];

    private static readonly string[] Identifiers =
    [
        "items", "total", "count", "order", "customer", "price", "quantity", "result", "index", "value", "buffer", "options", "logger",
        "cancellationToken", "HttpClient", "GetAsync", "ToString", "Dictionary", "List", "string", "int", "var", "await", "return",
    ];

    private const string CjkCharacters =
        "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从" +
        "日本語東京駅新幹線大阪行きますお願いします今日天気本当ありがとう会議明日参加時間場所予約確認" +
        "한국어오늘날씨가정말좋네요감사합니다회의내일";

    private static readonly string[] Emoji = ["😀", "🎉", "🚀", "✅", "👍🏽", "❤️", "🔥", "🙏", "😂", "👨‍👩‍👧", "🇫🇷", "💡", "📦", "⚠️"];

    /// <summary>English prose: sentences of common words, capitals, commas and full stops.</summary>
    public static string Prose(int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            int words = random.Next(6, 24);
            for (int i = 0; i < words; i++)
            {
                string word = EnglishWords[random.Next(EnglishWords.Length)];
                if (i == 0)
                {
                    text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
                }
                else
                {
                    text.Append(' ').Append(word);
                }

                if (i < words - 1 && random.Next(9) == 0)
                {
                    text.Append(',');
                }
            }

            text.Append(random.Next(12) == 0 ? "?\n\n" : ". ");
        }

        return text.ToString(0, length);
    }

    /// <summary>C#-like code: indented statements with identifiers, numbers, operators and braces.</summary>
    public static string Code(int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 128);
        while (text.Length < length)
        {
            string a = Identifiers[random.Next(Identifiers.Length)], b = Identifiers[random.Next(Identifiers.Length)];
            text.Append(' ', 4 * random.Next(1, 4));
            switch (random.Next(5))
            {
                case 0: text.Append("for (var i = 0; i < ").Append(a).Append(".Count; i++)\n").Append(' ', 8).Append("{\n"); break;
                case 1: text.Append(a).Append(" += ").Append(b).Append("[i].").Append(char.ToUpperInvariant(a[0])).Append(a, 1, a.Length - 1).Append(" * ").Append(random.Next(1000)).Append(";\n"); break;
                case 2: text.Append("if (").Append(a).Append(" is null) throw new ArgumentNullException(nameof(").Append(a).Append("));\n"); break;
                case 3: text.Append("var ").Append(a).Append(random.Next(10)).Append(" = await ").Append(b).Append(".GetAsync(\"/api/v2/").Append(a).Append("\", ct);\n"); break;
                default: text.Append("}\n"); break;
            }
        }

        return text.ToString(0, length);
    }

    /// <summary>JSON: compact objects with ids, names, numbers, booleans and nested arrays.</summary>
    public static string Json(int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 256);
        while (text.Length < length)
        {
            text.Append("{\"id\":\"ORD-").Append(random.Next(10_000, 99_999)).Append("\",\"customer\":\"")
                .Append(EnglishWords[random.Next(EnglishWords.Length)]).Append(' ').Append(EnglishWords[random.Next(EnglishWords.Length)])
                .Append("\",\"items\":[{\"sku\":\"A-").Append(random.Next(100)).Append("\",\"qty\":").Append(random.Next(1, 9))
                .Append("},{\"sku\":\"B-").Append(random.Next(100)).Append("\",\"qty\":").Append(random.Next(1, 9))
                .Append("}],\"total\":").Append((random.Next(1, 100_000) / 100.0).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(",\"paid\":").Append(random.Next(2) == 0 ? "true" : "false")
                .Append(",\"created\":\"2025-").Append(random.Next(1, 13).ToString("D2", System.Globalization.CultureInfo.InvariantCulture)).Append("-17T10:")
                .Append(random.Next(60).ToString("D2", System.Globalization.CultureInfo.InvariantCulture)).Append(":00Z\"}\n");
        }

        return text.ToString(0, length);
    }

    /// <summary>Chinese, Japanese and Korean: runs of common characters with CJK punctuation.</summary>
    public static string Cjk(int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            for (int i = random.Next(4, 30); i > 0; i--)
            {
                text.Append(CjkCharacters[random.Next(CjkCharacters.Length)]);
            }

            text.Append("，。、！？ "[random.Next(6)]);
        }

        return text.ToString(0, length);
    }

    /// <summary>Emoji-heavy chat: short English phrases with emoji, skin tones, flags and joined sequences.</summary>
    public static string EmojiChat(int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            for (int i = random.Next(1, 6); i > 0; i--)
            {
                text.Append(EnglishWords[random.Next(EnglishWords.Length)]).Append(' ');
            }

            for (int i = random.Next(1, 4); i > 0; i--)
            {
                text.Append(Emoji[random.Next(Emoji.Length)]);
            }

            text.Append(random.Next(4) == 0 ? "\n" : " ");
        }

        // Never end inside a surrogate pair.
        int end = length;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text.ToString(0, end);
    }

    /// <summary>All five kinds, interleaved in paragraphs of a few hundred characters.</summary>
    public static string Mixed(int seed, int length)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 1024);
        int part = 0;
        while (text.Length < length)
        {
            int size = random.Next(200, 800);
            int partSeed = seed + part++;
            text.Append(random.Next(5) switch
            {
                0 => Prose(partSeed, size),
                1 => Code(partSeed, size),
                2 => Json(partSeed, size),
                3 => Cjk(partSeed, size),
                _ => EmojiChat(partSeed, size),
            }).Append('\n');
        }

        int end = length;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text.ToString(0, end);
    }
}
