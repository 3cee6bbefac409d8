using System;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// Remembers how many tokens a pre-tokenized piece (in UTF-8) merges into, so a piece that recurs is
/// merged once. Bounded: a fixed number of slots; a piece may sit in one of two, chosen by its hash.
/// </summary>
/// <remarks>
/// Safe from any number of threads without locks: a slot holds an immutable entry, read and replaced
/// as one reference, and a hit is confirmed by comparing the bytes, so a collision never returns
/// another piece's count.
/// </remarks>
internal sealed class TokenPieceCache
{
    /// <summary>Longer pieces are not remembered (they are rare, and merging them costs little next to their length).</summary>
    public const int MaxPieceBytes = 128;

    private readonly Entry?[] _slots;
    private readonly int _mask;

    /// <summary>Initializes a new instance of the <see cref="TokenPieceCache"/> class.</summary>
    /// <param name="slots">The number of slots, a power of two.</param>
    public TokenPieceCache(int slots = 1 << 15)
    {
        _slots = new Entry?[slots];
        _mask = slots - 1;
    }

    /// <summary>Gets the count of <paramref name="piece"/>, whose hash is <paramref name="hash"/>, when it is remembered.</summary>
    public bool TryGet(ReadOnlySpan<byte> piece, ulong hash, out int tokens)
    {
        if (Matches(Volatile.Read(ref _slots[First(hash)]), piece, hash, out tokens))
        {
            return true;
        }

        return Matches(Volatile.Read(ref _slots[Second(hash)]), piece, hash, out tokens);
    }

    /// <summary>Remembers the count of a piece in a free one of its two slots, else in place of the older-looking one (chosen by the hash).</summary>
    public void Add(ReadOnlySpan<byte> piece, ulong hash, int tokens)
    {
        int first = First(hash);
        int second = Second(hash);
        int slot = Volatile.Read(ref _slots[first]) is null ? first
            : Volatile.Read(ref _slots[second]) is null ? second
            : (hash & (1UL << 63)) == 0 ? first : second;
        Volatile.Write(ref _slots[slot], new Entry(hash, piece.ToArray(), tokens));
    }

    private static bool Matches(Entry? entry, ReadOnlySpan<byte> piece, ulong hash, out int tokens)
    {
        if (entry is not null && entry.Hash == hash && piece.SequenceEqual(entry.Bytes))
        {
            tokens = entry.Tokens;
            return true;
        }

        tokens = 0;
        return false;
    }

    private int First(ulong hash) => (int)hash & _mask;

    private int Second(ulong hash) => (int)(hash >> 32) & _mask;

    private sealed class Entry(ulong hash, byte[] bytes, int tokens)
    {
        public ulong Hash { get; } = hash;

        public byte[] Bytes { get; } = bytes;

        public int Tokens { get; } = tokens;
    }
}
