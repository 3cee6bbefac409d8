using System;
using System.Collections.Generic;
using System.Text;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>
/// Random text made to reach every branch of the encodings' split patterns: letters of every case
/// class, combining marks, digits of several scripts, white space of every kind and in runs, CR/LF
/// mixes, apostrophe contractions in all cases, special-token look-alikes, punctuation runs, CJK,
/// emoji, long repeats and, on request, astral characters and lone surrogates. Deterministic for a seed.
/// </summary>
internal static class TokenTextGenerator
{
    private static readonly string[] Atoms =
    [
        // Contractions in every case, near misses, and U+017F (long s), which case-folds to 's'.
        "'s", "'S", "'t", "'T", "'re", "'rE", "'Re", "'RE", "'ve", "'VE", "'m", "'M", "'ll", "'Ll", "'LL", "'d", "'D", "'ſ", "'x", "'", "''", "'r", "'l",
        "don't", "DON'T", "I'M", "we'Re", "you'LL", "it's", "O'Neil's",

        // White space of every kind, alone and in runs, and line breaks in every order.
        " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", "\n\r", "\r\n\r\n", " \n", "\n ", " \r\n ", "\v", "\f",
        "\u0085", "\u00A0", "\u1680", "\u2000", "\u2009", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000",

        // Letters: upper, lower, title case, modifier, other; words in every casing.
        "a", "Z", "é", "É", "ǅ", "ǈ", "ᾈ", "ß", "ʰ", "ˆ", "ſ", "İ", "ı", "K", "Ω", "ω", "Σ", "ς", "ﬁ", "ﾀ", "ｶ", "ᄀ",
        "Hello", "WORLD", "camelCase", "PascalCase", "snake_case", "XMLHttpRequest", "iOS", "ABCdef", "abcDEF",
        "naïve", "café", "Ångström", "Привет", "Straße", "ΑΘΗΝΑ", "שלום", "مرحبا", "नमस्ते", "ภาษาไทย",
        "中", "文", "日本語", "東京駅", "한국어", "ひらがな", "カタカナ",

        // Combining marks, alone and after letters, digits, spaces and punctuation.
        "\u0301", "\u0308", "\u0323\u0301", "\u094D", "\u20DD", "\u0E31", "x\u0301y", "A\u0308B", " \u0301", "1\u0301", "!\u0301", "\u0301\u0301a",

        // Numbers of several scripts and runs of digits.
        "0", "1", "12", "123", "1234", "12345678901", "٣", "۴", "५", "Ⅻ", "½", "²", "3.14", "1,000", "-42", "2024-03-15",

        // Special-token look-alikes and their parts.
        "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>", "<|im_start|>", "<|im_end|>", "<|", "|>", "<||>", "< |endoftext| >",

        // Punctuation, symbols and the '/' that o200k keeps after punctuation.
        "!", ".", "...", "?!", "/", "//", "/\n", "!/", "!/\n/", "{", "}", "\"", "#", "$", "%", "&&", "->", "=>", "@", "-", "_", "—", "…", "©", "€",
        "{\"key\": [1, 2]}", "</div>", "http://x.y/z", "C:\\path\\file.txt",

        // Controls and format characters.
        "\u0000", "\u0001", "\u001F", "\u007F", "\u200B", "\u200D", "\uFEFF",
    ];

    private static readonly string[] AstralAtoms =
    [
        // Lone surrogates: tiktoken receives them as U+FFFD.
        "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "a\uD800b", "\uDC00abc",
        "😀", "👍🏽", "🇫🇷", "👨‍👩‍👧", "🎉🚀", "𝟎", "𝟗𝟖", "𝐀", "𝐚", "𝐀𝐁𝐜", "𝒜𝒷", "𠀀", "𠀀𠀁", "𐐀", "𐐨", "𐐀𐐨", "𝔘𝔫𝔦", "🅰", "\U0001F3FB", "\U000E0001",
    ];

    // Emoji as chat text holds them: ZWJ sequences, flags (regional indicator pairs and a tag sequence), skin tones,
    // keycaps, variation selectors, text-style symbols; and a lone regional indicator, skin tone, selector and joiner.
    private static readonly string[] EmojiSequences =
    [
        "😀", "😂", "🎉", "🚀", "🔥", "🙏", "💡", "📦", "✅", "⚠️", "❤️", "☺️", "✌🏽", "©️", "™️", "↩️", "⭐", "🫠",
        "👍🏻", "👍🏽", "👋🏿", "🤝🏼", "🧑🏽‍💻", "👩🏾‍🚀",
        "👨‍👩‍👧", "👨‍👩‍👧‍👦", "👩‍❤️‍👨", "🏳️‍🌈", "🏴‍☠️", "🐻‍❄️", "❤️‍🔥",
        "🇫🇷", "🇯🇵", "🇺🇸", "🇪🇺", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "\U0001F1EB", "\U0001F3FB",
        "1\uFE0F\u20E3", "#\uFE0F\u20E3", "*\uFE0F\u20E3", "🔟", "\uFE0F", "\u200D",
    ];

    // What may follow a run of emoji sequences.
    private static readonly string[] EmojiSeparators =
        ["", " ", " ", "  ", "\n", "\n\n", "\r\n", "! ", ", ", ".", "...", "?\n", "/", "123", "4", " (", ") ", "\t", "\u00A0", "\u3000", "\u0301", "é"];

    private static readonly string[] EmojiWords =
    [
        " hello", " world", "Great", " job", " team", " ship", " it", " I'm", " don't", "OK", " naïve", " café", " 中文", " 日本語",
        " Привет", "x", " ", "\n", "", "", "42", " 3.14", "#tag", "@user", "https://x.y/z",
    ];

    /// <summary>
    /// Makes <paramref name="count"/> texts of emoji sequences mixed with words, numbers, white space and punctuation:
    /// runs of one to six sequences, each run followed by a separator (nothing, white space, punctuation, digits, a mark, a letter).
    /// </summary>
    /// <param name="seed">The seed: the same seed gives the same texts.</param>
    /// <param name="count">How many texts.</param>
    public static List<string> GenerateEmoji(int seed, int count)
    {
        var random = new Random(seed);
        var texts = new List<string>(count);
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            text.Clear();
            for (int parts = random.Next(1, 25); parts > 0; parts--)
            {
                text.Append(EmojiWords[random.Next(EmojiWords.Length)]);
                for (int run = random.Next(1, 7); run > 0; run--)
                {
                    text.Append(EmojiSequences[random.Next(EmojiSequences.Length)]);
                }

                text.Append(EmojiSeparators[random.Next(EmojiSeparators.Length)]);
            }

            texts.Add(text.ToString());
        }

        return texts;
    }

    /// <summary>Makes <paramref name="count"/> texts.</summary>
    /// <param name="seed">The seed: the same seed gives the same texts.</param>
    /// <param name="count">How many texts.</param>
    /// <param name="astral">Whether to use characters outside the Basic Multilingual Plane and lone surrogates (where Microsoft.ML.Tokenizers differs from tiktoken).</param>
    public static List<string> Generate(int seed, int count, bool astral)
    {
        var random = new Random(seed);
        var texts = new List<string>(count);
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            text.Clear();
            int parts = random.Next(1, 30);
            for (int j = 0; j < parts; j++)
            {
                Append(text, random, astral);
            }

            texts.Add(text.ToString());
        }

        return texts;
    }

    private static void Append(StringBuilder text, Random random, bool astral)
    {
        switch (random.Next(20))
        {
            case < 11:
                text.Append(Atoms[random.Next(Atoms.Length)]);
                break;
            case 11 when astral:
                text.Append(AstralAtoms[random.Next(AstralAtoms.Length)]);
                break;
            case 11:
            case 12:
            case 13:
                text.Append(RandomCodePoint(random, astral));
                break;
            case 14:
                // A white-space run of mixed kinds.
                for (int k = random.Next(1, 8); k > 0; k--)
                {
                    text.Append(" \t\n\r\u00A0\u3000"[random.Next(6)]);
                }

                break;
            case 15:
                // Printable ASCII soup: punctuation runs, digits, code-like text.
                for (int k = random.Next(1, 40); k > 0; k--)
                {
                    text.Append((char)random.Next(0x21, 0x7F));
                }

                break;
            case 16:
                // A long repeat: one character, or a short pattern.
                string unit = random.Next(3) switch
                {
                    0 => "a",
                    1 => Atoms[random.Next(Atoms.Length)],
                    _ => " ",
                };
                text.Insert(text.Length, unit, random.Next(20, 400));
                break;
            case 17:
                // A digit run of any length.
                for (int k = random.Next(1, 12); k > 0; k--)
                {
                    text.Append((char)('0' + random.Next(10)));
                }

                break;
            default:
                // A lowercase or capitalised English-like word with a leading space.
                text.Append(' ');
                if (random.Next(3) == 0)
                {
                    text.Append((char)('A' + random.Next(26)));
                }

                for (int k = random.Next(1, 12); k > 0; k--)
                {
                    text.Append((char)('a' + random.Next(26)));
                }

                break;
        }
    }

    private static string RandomCodePoint(Random random, bool astral)
    {
        while (true)
        {
            int codePoint = random.Next(4) switch
            {
                0 => random.Next(0x80, 0x800),
                1 => random.Next(0x800, 0x10000),
                2 when astral => random.Next(0x10000, 0x30000),
                _ => random.Next(0x20, 0x3400),
            };
            if (codePoint is < 0xD800 or > 0xDFFF)
            {
                return char.ConvertFromUtf32(codePoint);
            }
        }
    }
}
