using System;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// Remembers how many tokens a pre-tokenized piece (in UTF-8) merges into, so a piece that recurs is
/// merged once. Bounded: a fixed number of slots; a piece may sit in one of two, chosen by its hash.
/// </summary>
/// <remarks>
/// <para>
/// Safe from any number of threads without locks: a slot holds an immutable entry, read and replaced
/// as one reference, and a hit is confirmed by comparing the bytes, so a collision never returns
/// another piece's count.
/// </para>
/// <para>
/// Pieces of up to 32 bytes (a word with its space, a run of emoji, a number with its punctuation: nearly
/// all pieces that are not one token) are keyed by their bytes packed into four words, held in the entry
/// itself: a lookup hashes and compares words, with no second object to reach.
/// </para>
/// </remarks>
internal sealed class TokenPieceCache
{
    /// <summary>Longer pieces are not remembered (they are rare, and merging them costs little next to their length).</summary>
    public const int MaxPieceBytes = 128;

    /// <summary>Pieces up to this many bytes are keyed by their packed bytes.</summary>
    private const int PackedBytes = 32;

    private readonly Entry?[] _slots;
    private readonly int _mask;

    /// <summary>Initializes a new instance of the <see cref="TokenPieceCache"/> class.</summary>
    /// <param name="slots">The number of slots, a power of two.</param>
    public TokenPieceCache(int slots = 1 << 15)
    {
        _slots = new Entry?[slots];
        _mask = slots - 1;
    }

    /// <summary>Computes the key of a piece of at most <see cref="MaxPieceBytes"/> bytes, for <see cref="TryGet"/> and <see cref="Add"/>.</summary>
    public static Key KeyOf(ReadOnlySpan<byte> piece)
    {
        if (piece.Length > PackedBytes)
        {
            return new Key(XxHash3.HashToUInt64(piece), default);
        }

        Words words = default;
        piece.CopyTo(MemoryMarshal.AsBytes(new Span<Words>(ref words)));

        // A multiply-xor mix of the four words and the length, finished so that every bit of the hash depends on every byte.
        ulong hash = ((ulong)piece.Length * 0x9E3779B97F4A7C15) ^ words.W0;
        hash = (BitOperations.RotateLeft(hash, 31) ^ words.W1) * 0xC2B2AE3D27D4EB4F;
        hash = (BitOperations.RotateLeft(hash, 27) ^ words.W2) * 0x165667B19E3779F9;
        hash = (BitOperations.RotateLeft(hash, 33) ^ words.W3) * 0x9E3779B97F4A7C15;
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        return new Key(hash, words);
    }

    /// <summary>Gets the count of <paramref name="piece"/>, whose key is <paramref name="key"/>, when it is remembered.</summary>
    public bool TryGet(ReadOnlySpan<byte> piece, in Key key, out int tokens)
    {
        if (Matches(Volatile.Read(ref _slots[First(key.Hash)]), piece, in key, out tokens))
        {
            return true;
        }

        return Matches(Volatile.Read(ref _slots[Second(key.Hash)]), piece, in key, out tokens);
    }

    /// <summary>Remembers the count of a piece in a free one of its two slots, else in place of the older-looking one (chosen by the hash).</summary>
    public void Add(ReadOnlySpan<byte> piece, in Key key, int tokens)
    {
        int first = First(key.Hash);
        int second = Second(key.Hash);
        int slot = Volatile.Read(ref _slots[first]) is null ? first
            : Volatile.Read(ref _slots[second]) is null ? second
            : (key.Hash & (1UL << 63)) == 0 ? first : second;
        Volatile.Write(ref _slots[slot], new Entry(key, piece.Length, piece.Length > PackedBytes ? piece.ToArray() : null, tokens));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Matches(Entry? entry, ReadOnlySpan<byte> piece, in Key key, out int tokens)
    {
        if (entry is not null && entry.Hash == key.Hash && entry.Length == piece.Length &&
            (entry.Bytes is null ? entry.Words.Equals(key.Words) : piece.SequenceEqual(entry.Bytes)))
        {
            tokens = entry.Tokens;
            return true;
        }

        tokens = 0;
        return false;
    }

    private int First(ulong hash) => (int)hash & _mask;

    private int Second(ulong hash) => (int)(hash >> 32) & _mask;

    /// <summary>A piece's hash and, for a short piece, its bytes packed into words (zero after its end).</summary>
    internal readonly struct Key(ulong hash, Words words)
    {
        public ulong Hash { get; } = hash;

        public Words Words { get; } = words;
    }

    /// <summary>Up to 32 bytes, little-endian in four words.</summary>
    internal struct Words : IEquatable<Words>
    {
        public ulong W0;
        public ulong W1;
        public ulong W2;
        public ulong W3;

        public readonly bool Equals(Words other) => W0 == other.W0 && W1 == other.W1 && W2 == other.W2 && W3 == other.W3;

        public override readonly bool Equals(object? obj) => obj is Words other && Equals(other);

        public override readonly int GetHashCode() => HashCode.Combine(W0, W1, W2, W3);
    }

    private sealed class Entry(in Key key, int length, byte[]? bytes, int tokens)
    {
        public ulong Hash { get; } = key.Hash;

        public Words Words { get; } = key.Words;

        public int Length { get; } = length;

        /// <summary>Gets the bytes of a piece longer than 32 bytes; <see langword="null"/> for a short one, compared by <see cref="Words"/>.</summary>
        public byte[]? Bytes { get; } = bytes;

        public int Tokens { get; } = tokens;
    }
}
