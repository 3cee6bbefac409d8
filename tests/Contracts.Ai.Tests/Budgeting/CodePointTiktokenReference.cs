using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Contracts.Ai.Tests.Budgeting;

/// <summary>
/// An independent tiktoken count for text whose characters outside the Basic Multilingual Plane are all symbols
/// (emoji, skin tones, regional indicators, tags): the encoding's split pattern run by .NET's regex on a copy where each
/// such character is one BMP symbol, as tiktoken sees it (the regex alone would see two surrogates), then each piece
/// merged by Microsoft.ML.Tokenizers with no pre-tokenizer of its own.
/// </summary>
internal sealed class CodePointTiktokenReference
{
    private const string O200kPattern =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Cl100kPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    // A BMP symbol (So) that stands for one astral symbol.
    private const char AstralSymbol = '\u25A0';

    private readonly Regex _split;
    private readonly Tokenizer _merge;

    public CodePointTiktokenReference(string encoding)
    {
        bool o200k = encoding == TiktokenTokenCounter.O200kBase;
        _split = new Regex(o200k ? O200kPattern : Cl100kPattern, RegexOptions.CultureInvariant);
        string assembly = o200k ? "Microsoft.ML.Tokenizers.Data.O200kBase" : "Microsoft.ML.Tokenizers.Data.Cl100kBase";
        using Stream compressed = Assembly.Load(assembly).GetManifestResourceStream(encoding + ".tiktoken.deflate")!;
        using var vocabulary = new MemoryStream();
        using (var inflate = new DeflateStream(compressed, CompressionMode.Decompress))
        {
            inflate.CopyTo(vocabulary);
        }

        vocabulary.Position = 0;
        _merge = TiktokenTokenizer.Create(vocabulary, preTokenizer: null, normalizer: null);
    }

    public int CountTokens(string text)
    {
        // The stand-in copy, and for each of its characters where it starts in the text.
        var copy = new StringBuilder(text.Length);
        var starts = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            starts.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                if (char.IsLetterOrDigit(text, i) || char.IsWhiteSpace(text, i) ||
                    System.Globalization.CharUnicodeInfo.GetUnicodeCategory(codePoint) is System.Globalization.UnicodeCategory.NonSpacingMark
                        or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.EnclosingMark
                        or System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber)
                {
                    throw new ArgumentException($"U+{codePoint:X} is not a symbol: this reference only stands in astral symbols.", nameof(text));
                }

                copy.Append(AstralSymbol);
                i++;
            }
            else
            {
                copy.Append(text[i]);
            }
        }

        starts.Add(text.Length);
        int count = 0;
        foreach (Match piece in _split.Matches(copy.ToString()))
        {
            count += _merge.CountTokens(text[starts[piece.Index]..starts[piece.Index + piece.Length]]);
        }

        return count;
    }
}
