using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.IO.Hashing;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Contracts.Ai;

/// <summary>
/// The mergeable ranks of one tiktoken encoding (byte sequence -> rank), read from the vocabulary file
/// that the Microsoft.ML.Tokenizers data package embeds, in tables made for lookups of byte spans.
/// </summary>
/// <remarks>
/// Tokens of up to 8 bytes (nearly all lookups a byte-pair merge makes) are keyed by the bytes packed
/// into one 64-bit word; longer ones by a 64-bit hash, confirmed by comparing the bytes. Two-byte tokens
/// also sit in a direct table, and one-bit-per-hash filters (one for short tokens, one for long ones keyed by
/// their first and last 8 bytes) answer most misses without touching the large tables or hashing every byte (a byte-pair merge looks up far more sequences that are no token than tokens). Immutable once
/// built, so lookups are safe from any number of threads.
/// </remarks>
internal sealed class TiktokenVocabulary
{
    /// <summary>The rank of a byte sequence that is not a token.</summary>
    public const int NotAToken = int.MaxValue;

    private const ulong Multiplier = 0x9E3779B97F4A7C15;

    // Short tokens: packed little-endian bytes and (rank << 4 | length), side by side so a probe touches
    // one cache line; a value of 0 marks an empty slot.
    private readonly ShortEntry[] _short;
    private readonly int _shortShift;

    // Long tokens: their hash, where their bytes are in _longBytes, their length and rank.
    private readonly LongEntry[] _long;
    private readonly byte[] _longBytes;
    private readonly int _longShift;

    // One bit per short-token hash prefix (FilterBits bits of the slot hash), set where a short token hashes: a clear bit
    // answers "not a token" from a table small enough to stay in cache, without probing the large one.
    private const int FilterBits = 21;
    private readonly ulong[] _filter = new ulong[(1 << FilterBits) / 64];

    // The same for long tokens, keyed by their first and last 8 bytes and their length: a candidate longer than 8 bytes
    // (runs of one letter, of spaces, of a repeated syllable) is mostly ruled out without hashing all its bytes.
    private const int LongFilterBits = 18;
    private readonly ulong[] _longFilter = new ulong[(1 << LongFilterBits) / 64];

    // Two-byte tokens, indexed by the first byte plus the second times 256: the first lookups of every byte-pair merge.
    private readonly int[] _pairs = new int[1 << 16];

    private TiktokenVocabulary(List<byte[]> tokens, List<int> ranks)
    {
        int shortCount = 0;
        int longCount = 0;
        int longBytes = 0;
        foreach (byte[] token in tokens)
        {
            MaxTokenLength = Math.Max(MaxTokenLength, token.Length);
            if (token.Length <= 8)
            {
                shortCount++;
            }
            else
            {
                longCount++;
                longBytes += token.Length;
            }
        }

        int shortBits = BitOperations.Log2((uint)Math.Max(shortCount, 1) * 2) + 1;
        _short = new ShortEntry[1 << shortBits];
        _shortShift = 64 - shortBits;

        int longBits = BitOperations.Log2((uint)Math.Max(longCount, 1) * 2) + 1;
        _long = new LongEntry[1 << longBits];
        _longBytes = new byte[longBytes];
        _longShift = 64 - longBits;

        Array.Fill(_pairs, NotAToken);
        int offset = 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            byte[] token = tokens[i];
            int rank = ranks[i];
            if (token.Length == 2)
            {
                _pairs[token[0] | (token[1] << 8)] = rank;
            }

            if (token.Length <= 8)
            {
                ulong key = Pack(token);
                int mask = _short.Length - 1;
                int slot = ShortSlot(key, token.Length);
                while (_short[slot].Value != 0)
                {
                    slot = (slot + 1) & mask;
                }

                _short[slot] = new ShortEntry(key, (rank << 4) | token.Length);
                int bit = FilterBit(key, token.Length);
                _filter[bit >> 6] |= 1UL << bit;
            }
            else
            {
                ulong hash = XxHash3.HashToUInt64(token);
                int mask = _long.Length - 1;
                int slot = (int)((hash * Multiplier) >> _longShift);
                while (_long[slot].Length != 0)
                {
                    slot = (slot + 1) & mask;
                }

                int bit = LongFilterBit(token);
                _longFilter[bit >> 6] |= 1UL << bit;
                token.CopyTo(_longBytes, offset);
                _long[slot] = new LongEntry(hash, offset, token.Length, rank);
                offset += token.Length;
            }
        }
    }

    /// <summary>Gets the length in bytes of the longest token.</summary>
    public int MaxTokenLength { get; }

    /// <summary>Reads the ranks of an encoding from the Microsoft.ML.Tokenizers data package that ships it.</summary>
    /// <param name="encoding"><c>o200k_base</c> or <c>cl100k_base</c>.</param>
    /// <exception cref="InvalidOperationException">The data package or its vocabulary file cannot be read.</exception>
    public static TiktokenVocabulary Load(string encoding)
    {
        string assemblyName = encoding == TiktokenTokenCounter.O200kBase
            ? "Microsoft.ML.Tokenizers.Data.O200kBase"
            : "Microsoft.ML.Tokenizers.Data.Cl100kBase";
        string resource = encoding + ".tiktoken.deflate";
        Stream? compressed;
        try
        {
            compressed = Assembly.Load(assemblyName).GetManifestResourceStream(resource);
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException)
        {
            throw new InvalidOperationException($"The vocabulary of '{encoding}' could not be loaded: the package {assemblyName} is missing or unreadable.", ex);
        }

        if (compressed is null)
        {
            throw new InvalidOperationException($"The vocabulary of '{encoding}' could not be loaded: {assemblyName} holds no resource '{resource}'.");
        }

        using (compressed)
        using (var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress), Encoding.UTF8))
        {
            return Parse(reader, encoding);
        }
    }

    private static TiktokenVocabulary Parse(StreamReader reader, string encoding)
    {
        // The tiktoken format: one token a line, base64 then its rank; the data packages write a
        // "Capacity: N" header and leave the rank out, when it is the line's position.
        var tokens = new List<byte[]>(200_000);
        var ranks = new List<int>(200_000);
        int next = 0;
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
            {
                continue;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            int rank = next;
            if (space >= 0 && !int.TryParse(line.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out rank))
            {
                throw new InvalidOperationException($"The vocabulary of '{encoding}' is malformed at line {lineNumber}: the rank is not a number.");
            }

            tokens.Add(Convert.FromBase64String(space >= 0 ? line[..space] : line));
            ranks.Add(rank);
            next = rank + 1;
        }

        return new TiktokenVocabulary(tokens, ranks);
    }

    /// <summary>Returns the rank of <paramref name="bytes"/>, or <see cref="NotAToken"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetRank(ReadOnlySpan<byte> bytes) =>
        bytes.Length <= 8 ? GetShortRank(Pack(bytes), bytes.Length) : GetLongRank(bytes);

    /// <summary>Returns the rank of the two bytes <paramref name="first"/> then <paramref name="second"/>, or <see cref="NotAToken"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetPairRank(byte first, byte second) => _pairs[first | (second << 8)];

    /// <summary>Returns the rank of the token whose up-to-8 bytes are packed little-endian in <paramref name="key"/>, or <see cref="NotAToken"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetShortRank(ulong key, int length)
    {
        int bit = FilterBit(key, length);
        if ((_filter[bit >> 6] & (1UL << bit)) == 0)
        {
            return NotAToken;
        }

        ShortEntry[] entries = _short;
        int mask = entries.Length - 1;
        int slot = ShortSlot(key, length);
        while (true)
        {
            ref ShortEntry entry = ref entries[slot];
            int value = entry.Value;
            if (value == 0)
            {
                return NotAToken;
            }

            if (entry.Key == key && (value & 15) == length)
            {
                return value >> 4;
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>Returns the rank of a token longer than 8 bytes, or <see cref="NotAToken"/>.</summary>
    public int GetLongRank(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxTokenLength)
        {
            return NotAToken;
        }

        int bit = LongFilterBit(bytes);
        if ((_longFilter[bit >> 6] & (1UL << bit)) == 0)
        {
            return NotAToken;
        }

        ulong hash = XxHash3.HashToUInt64(bytes);
        LongEntry[] entries = _long;
        int mask = entries.Length - 1;
        int slot = (int)((hash * Multiplier) >> _longShift);
        while (true)
        {
            ref LongEntry entry = ref entries[slot];
            if (entry.Length == 0)
            {
                return NotAToken;
            }

            if (entry.Hash == hash && entry.Length == bytes.Length && bytes.SequenceEqual(_longBytes.AsSpan(entry.Offset, entry.Length)))
            {
                return entry.Rank;
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>Packs up to 8 bytes little-endian into a word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Pack(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 8)
        {
            return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }

        if (bytes.Length >= 4)
        {
            // Two overlapping reads cover 4 to 7 bytes.
            ulong low = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            ulong high = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
            return low | (high << ((bytes.Length - 4) * 8));
        }

        ulong key = 0;
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            key = (key << 8) | bytes[i];
        }

        return key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FilterBit(ulong key, int length) => (int)(((key + (ulong)length) * Multiplier) >> (64 - FilterBits));

    /// <summary>The filter bit of a byte sequence longer than 8 bytes: from its first and last 8 bytes (which overlap below 16) and its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LongFilterBit(ReadOnlySpan<byte> bytes)
    {
        ulong first = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        ulong last = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]);
        ulong key = ((first * Multiplier) ^ BitOperations.RotateLeft(last, 29)) + (ulong)bytes.Length;
        return (int)((key * Multiplier) >> (64 - LongFilterBits));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShortSlot(ulong key, int length) => (int)(((key + (ulong)length) * Multiplier) >> _shortShift);

    private readonly record struct ShortEntry(ulong Key, int Value);

    private readonly record struct LongEntry(ulong Hash, int Offset, int Length, int Rank);
}
