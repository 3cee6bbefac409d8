using System;
using System.Buffers;

namespace Contracts.Ai;

/// <summary>
/// tiktoken's byte-pair merge of one piece, counting the tokens (or finding where they start) without
/// building token ids: repeatedly merge the adjacent pair of parts whose joined bytes have the lowest
/// rank, the leftmost among equals, until no joined pair is a token.
/// </summary>
/// <remarks>
/// Short pieces use tiktoken's own scan over a small array; long ones a heap ordered by (rank, position),
/// which makes the same merges in the same order in O(n log n) instead of O(n²), so one huge piece
/// (a long base64 blob, a run of one character) stays linear in practice.
/// </remarks>
internal static class BytePairMerge
{
    /// <summary>Pieces up to this many bytes are merged by scanning.</summary>
    private const int ScanLimit = 64;

    /// <summary>Counts the tokens of a piece that is not itself a token (at least 2 bytes).</summary>
    public static int Count(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece)
    {
        if (piece.Length <= ScanLimit)
        {
            Span<int> starts = stackalloc int[ScanLimit + 1];
            Span<int> ranks = stackalloc int[ScanLimit + 1];
            return Scan(vocabulary, piece, starts, ranks);
        }

        return Heap(vocabulary, piece, default);
    }

    /// <summary>Finds where the tokens of a piece start: fills <paramref name="starts"/> (at least <c>piece.Length + 1</c> long) with each token's first byte and then the piece's length.</summary>
    /// <returns>The number of tokens.</returns>
    public static int Split(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts)
    {
        if (piece.Length == 1 || vocabulary.GetRank(piece) != TiktokenVocabulary.NotAToken)
        {
            starts[0] = 0;
            starts[1] = piece.Length;
            return 1;
        }

        if (piece.Length <= ScanLimit)
        {
            Span<int> ranks = stackalloc int[ScanLimit + 1];
            return Scan(vocabulary, piece, starts, ranks);
        }

        return Heap(vocabulary, piece, starts);
    }

    private static int Scan(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, Span<int> ranks)
    {
        int n = piece.Length;
        for (int i = 0; i < n - 1; i++)
        {
            starts[i] = i;
            ranks[i] = vocabulary.GetRank(piece.Slice(i, 2));
        }

        starts[n - 1] = n - 1;
        ranks[n - 1] = TiktokenVocabulary.NotAToken;
        starts[n] = n;
        int parts = n;
        while (true)
        {
            int best = -1;
            int bestRank = TiktokenVocabulary.NotAToken;
            for (int i = 0; i < parts - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (best < 0)
            {
                return parts;
            }

            // Part best absorbs its neighbour: drop the neighbour's start, then re-rank the pairs that changed.
            starts[(best + 2)..(parts + 1)].CopyTo(starts[(best + 1)..]);
            ranks[(best + 2)..parts].CopyTo(ranks[(best + 1)..]);
            parts--;
            ranks[best] = best + 1 < parts ? vocabulary.GetRank(piece[starts[best]..starts[best + 2]]) : TiktokenVocabulary.NotAToken;
            if (best > 0)
            {
                ranks[best - 1] = vocabulary.GetRank(piece[starts[best - 1]..starts[best + 1]]);
            }
        }
    }

    private static int Heap(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts)
    {
        int n = piece.Length;
        int[] next = ArrayPool<int>.Shared.Rent(n);
        int[] previous = ArrayPool<int>.Shared.Rent(n);
        int[] ranks = ArrayPool<int>.Shared.Rent(n);
        // At most n - 1 entries at first; each merge pops one and pushes at most two.
        long[] heap = ArrayPool<long>.Shared.Rent(2 * n);
        try
        {
            int size = 0;
            for (int i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                ranks[i] = i + 1 < n ? vocabulary.GetRank(piece.Slice(i, 2)) : TiktokenVocabulary.NotAToken;
                if (ranks[i] != TiktokenVocabulary.NotAToken)
                {
                    Push(heap, ref size, Key(ranks[i], i));
                }
            }

            int parts = n;
            while (size > 0)
            {
                long key = Pop(heap, ref size);
                int start = (int)(key & 0xFFFFFFFF);
                int rank = (int)(key >> 32);

                // An entry is current only while its part is alive with that rank (a removed part has rank -1).
                if (ranks[start] != rank)
                {
                    continue;
                }

                int absorbed = next[start];
                int after = next[absorbed];
                next[start] = after;
                if (after < n)
                {
                    previous[after] = start;
                }

                ranks[absorbed] = -1;
                parts--;

                ranks[start] = after < n ? vocabulary.GetRank(piece[start..next[after]]) : TiktokenVocabulary.NotAToken;
                if (ranks[start] != TiktokenVocabulary.NotAToken)
                {
                    Push(heap, ref size, Key(ranks[start], start));
                }

                int before = previous[start];
                if (before >= 0)
                {
                    ranks[before] = vocabulary.GetRank(piece[before..after]);
                    if (ranks[before] != TiktokenVocabulary.NotAToken)
                    {
                        Push(heap, ref size, Key(ranks[before], before));
                    }
                }
            }

            if (!starts.IsEmpty)
            {
                int j = 0;
                for (int part = 0; part < n; part = next[part])
                {
                    starts[j++] = part;
                }

                starts[j] = n;
            }

            return parts;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<int>.Shared.Return(ranks);
            ArrayPool<long>.Shared.Return(heap);
        }
    }

    private static long Key(int rank, int start) => ((long)rank << 32) | (uint)start;

    private static void Push(long[] heap, ref int size, long key)
    {
        int i = size++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (heap[parent] <= key)
            {
                break;
            }

            heap[i] = heap[parent];
            i = parent;
        }

        heap[i] = key;
    }

    private static long Pop(long[] heap, ref int size)
    {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= size)
            {
                break;
            }

            if (child + 1 < size && heap[child + 1] < heap[child])
            {
                child++;
            }

            if (heap[child] >= last)
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        heap[i] = last;
        return top;
    }
}
