using System;
using System.Buffers;
using System.Numerics;

namespace Contracts.Ai;

/// <summary>
/// tiktoken's byte-pair merge of one piece, counting the tokens (or finding where they start) without
/// building token ids: repeatedly merge the adjacent pair of parts whose joined bytes have the lowest
/// rank, the leftmost among equals, until no joined pair is a token.
/// </summary>
/// <remarks>
/// <para>
/// Short pieces use tiktoken's own scan over a small array. Pieces (and windows) of up to <see cref="WindowBytes"/>
/// bytes keep each part's key (rank, position) in blocks whose minimums sit beside them: a merge takes the lowest
/// key with vector minimums over the block minimums and recomputes the few blocks it changed, with no branch that
/// depends on the ranks (a heap's sifts mispredict about once a level on random text). Runs of one repeated byte,
/// which merge in position order, and longer pieces merged at once use a heap ordered by (rank, position). Both make
/// the same merges in the same order as the scan, in far fewer steps than O(n²). The heap is 4-ary and holds
/// one entry per part, changed in place when a merge changes the part's pair, so it never fills with stale
/// entries; the vocabulary answers most lookups from tables that stay in cache (two-byte tokens, and a
/// filter that rules out most byte sequences that are no token).
/// </para>
/// <para>
/// Pieces longer than a window (a run without spaces, a base64 blob, a line of emoji) are merged window by
/// window, so their cost is linear and their working set stays in cache. The result stays exact: two
/// overlapping windows are joined at a token that both windows' merges produce at the same bytes. The
/// merge of a text A·t·B equals the merge of A·t followed by the merge of t·B whenever both of those hold
/// the token t at the same place (and any run of tokens taken from a merge result is itself a merge
/// result), so joining at a shared token gives what one merge of the whole piece gives. When two windows
/// share no token (never seen on real vocabularies), the whole piece is merged at once.
/// </para>
/// </remarks>
internal static class BytePairMerge
{
    /// <summary>Pieces up to this many bytes are merged by scanning.</summary>
    private const int ScanLimit = 64;

    /// <summary>Pieces longer than this many bytes are merged window by window.</summary>
    internal const int WindowBytes = 1024;

    /// <summary>How many bytes two neighbouring windows share; the join token is looked for there.</summary>
    internal const int OverlapBytes = 128;

    /// <summary>How many keys one block of <see cref="Blocks"/> holds (a multiple of every vector width).</summary>
    private const int BlockKeys = 32;

    /// <summary>The key of a part whose pair is no token (or that was absorbed).</summary>
    private const long NoKey = long.MaxValue;

    /// <summary>Counts the tokens of a piece that is not itself a token (at least 2 bytes).</summary>
    public static int Count(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece)
    {
        if (piece.Length <= ScanLimit)
        {
            Span<int> starts = stackalloc int[ScanLimit + 1];
            Span<int> ranks = stackalloc int[ScanLimit + 1];
            return Scan(vocabulary, piece, starts, ranks);
        }

        return piece.Length <= WindowBytes ? Merge(vocabulary, piece, default) : Windowed(vocabulary, piece, default, 0, int.MaxValue, null, default);
    }

    /// <summary>
    /// Counts the tokens of a piece longer than <see cref="WindowBytes"/>, window by window, remembering in
    /// <paramref name="joins"/> where each window was joined to the next so that <see cref="SplitPart"/> can resume there
    /// (none when the windows could not be joined and the piece was merged whole).
    /// </summary>
    public static int CountWindowed(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, WindowJoins joins)
    {
        joins.Clear();
        return Windowed(vocabulary, piece, default, 0, int.MaxValue, joins, default);
    }

    /// <summary>
    /// Counts the tokens of a piece longer than <see cref="WindowBytes"/> from a join: <paramref name="resume"/> was remembered by
    /// <see cref="CountWindowed"/> for a piece whose bytes equal these up to the end of the join's window, so the merge goes on
    /// from there as a merge from the start would (from the start when the join does not fit this piece).
    /// </summary>
    public static int CountFrom(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, WindowJoin resume) =>
        Windowed(vocabulary, piece, default, 0, int.MaxValue, null, resume);

    /// <summary>Counts the tokens of a piece with one merge of the whole piece, never by windows: the reference the windowed merge must equal.</summary>
    internal static int CountWhole(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece) =>
        piece.Length < 2 ? piece.Length : Heap(vocabulary, piece, default);

    /// <summary>Finds where the tokens of a piece (at least 2 bytes) start with one heap merge of the whole piece, never by windows or blocks: the reference for <see cref="Split"/>.</summary>
    internal static int SplitWhole(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts) => Heap(vocabulary, piece, starts);

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

        return piece.Length <= WindowBytes ? Merge(vocabulary, piece, starts) : Windowed(vocabulary, piece, starts, 0, int.MaxValue, null, default);
    }

    /// <summary>
    /// Finds the starts of some tokens of a piece, walking it only as far as needed: fills
    /// <paramref name="starts"/>[k - <paramref name="first"/>] with the start of each token k from
    /// <paramref name="first"/> on (and, when the piece ends inside that range, with the piece's length after
    /// its last token), and stops once at least <paramref name="stopAfter"/> tokens are known.
    /// </summary>
    /// <returns>The number of tokens known: the piece's count when it is below <paramref name="stopAfter"/>, else at least <paramref name="stopAfter"/>.</returns>
    /// <remarks>
    /// A <paramref name="resume"/> join that <see cref="CountWindowed"/> remembered for this piece (with
    /// <see cref="WindowJoin.Tokens"/> at most <paramref name="first"/>) starts the walk there instead of at the piece's start,
    /// with the same merges; <c>default</c> walks from the start.
    /// </remarks>
    public static int SplitPart(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, int first, int stopAfter, WindowJoin resume = default)
    {
        if (piece.Length > WindowBytes)
        {
            return Windowed(vocabulary, piece, starts, first, stopAfter, null, resume.Tokens <= first ? resume : default);
        }

        return MergeAll(vocabulary, piece, starts, first, wholeHeap: false);
    }

    /// <summary>Merges a piece longer than a window, one window at a time, joining neighbouring windows at a token both produce.</summary>
    /// <param name="vocabulary">The vocabulary.</param>
    /// <param name="piece">The piece, longer than <see cref="WindowBytes"/>.</param>
    /// <param name="starts">Where token starts are written, from token <paramref name="first"/> on, as by <see cref="SplitPart"/>; empty to count only.</param>
    /// <param name="first">The first token whose start is written.</param>
    /// <param name="stopAfter">Stop once this many tokens are known.</param>
    /// <param name="joins">Where each join is remembered, or <see langword="null"/>.</param>
    /// <param name="resume">A join remembered earlier for this piece to start from, or <c>default</c> to start at the piece's start.</param>
    private static int Windowed(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, int first, int stopAfter, WindowJoins? joins, WindowJoin resume)
    {
        int[] previous = ArrayPool<int>.Shared.Rent(WindowBytes + 1);
        int[] current = ArrayPool<int>.Shared.Rent(WindowBytes + 1);
        try
        {
            // Windows start every WindowBytes - OverlapBytes bytes; a resumed walk merges the join's window again and goes on from
            // its next token, making from there the same merges and joins as a walk from the piece's start.
            int window = resume.Tokens > 0 ? resume.Window : 0;
            int count = 0;
            int previousStart = window * (WindowBytes - OverlapBytes);
            int previousEnd = Math.Min(piece.Length, previousStart + WindowBytes);
            int previousTokens = Merge(vocabulary, piece[previousStart..previousEnd], previous);
            int previousFirst = 0;
            if (resume.Tokens > 0)
            {
                while (previousFirst < previousTokens && previousStart + previous[previousFirst] < resume.NextByte)
                {
                    previousFirst++;
                }

                if (previousFirst == previousTokens || previousStart + previous[previousFirst] != resume.NextByte)
                {
                    // Not a join of this piece: walk from the start.
                    return Windowed(vocabulary, piece, starts, first, stopAfter, joins, default);
                }

                count = resume.Tokens;
            }

            while (previousEnd < piece.Length)
            {
                int currentStart = previousEnd - OverlapBytes;
                int currentEnd = Math.Min(piece.Length, currentStart + WindowBytes);
                int currentTokens = Merge(vocabulary, piece[currentStart..currentEnd], current);

                // The first token both windows produce over the same bytes, after what is already committed.
                int i = previousFirst;
                int j = 0;
                int join = -1;
                while (i < previousTokens && j < currentTokens)
                {
                    int a = previousStart + previous[i];
                    int b = currentStart + current[j];
                    if (a < b)
                    {
                        i++;
                    }
                    else if (b < a)
                    {
                        j++;
                    }
                    else if (previousStart + previous[i + 1] == currentStart + current[j + 1])
                    {
                        join = i;
                        break;
                    }
                    else
                    {
                        i++;
                        j++;
                    }
                }

                if (join < 0)
                {
                    joins?.Clear();
                    return WholeHeap(vocabulary, piece, starts, first);
                }

                for (int k = previousFirst; k <= join; k++, count++)
                {
                    Record(starts, first, count, previousStart + previous[k]);
                }

                if (count >= stopAfter)
                {
                    return count;
                }

                window++;
                joins?.Add(new WindowJoin(window, currentStart + current[j + 1], count));
                (previous, current) = (current, previous);
                previousStart = currentStart;
                previousEnd = currentEnd;
                previousTokens = currentTokens;
                previousFirst = j + 1;
            }

            for (int k = previousFirst; k < previousTokens; k++, count++)
            {
                Record(starts, first, count, previousStart + previous[k]);
            }

            Record(starts, first, count, piece.Length);
            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<int>.Shared.Return(current);
        }

        static void Record(Span<int> starts, int first, int token, int start)
        {
            if ((uint)(token - first) < (uint)starts.Length)
            {
                starts[token - first] = start;
            }
        }
    }

    /// <summary>The merge of a whole long piece at once, when its windows could not be joined.</summary>
    private static int WholeHeap(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, int first)
    {
        return starts.IsEmpty ? Heap(vocabulary, piece, default) : MergeAll(vocabulary, piece, starts, first, wholeHeap: true);
    }

    /// <summary>Merges the whole piece and copies the starts of its tokens from <paramref name="first"/> on into <paramref name="starts"/>.</summary>
    private static int MergeAll(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, int first, bool wholeHeap)
    {
        int[] all = ArrayPool<int>.Shared.Rent(piece.Length + 1);
        try
        {
            int count = wholeHeap ? Heap(vocabulary, piece, all) : Split(vocabulary, piece, all);
            for (int k = first; k <= count && k - first < starts.Length; k++)
            {
                starts[k - first] = all[k];
            }

            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(all);
        }
    }

    private static int Scan(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, Span<int> ranks)
    {
        int n = piece.Length;
        for (int i = 0; i < n - 1; i++)
        {
            starts[i] = i;
            ranks[i] = vocabulary.GetPairRank(piece[i], piece[i + 1]);
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

    /// <summary>Merges a piece of at most <see cref="WindowBytes"/> bytes with the structure that is faster for it.</summary>
    private static int Merge(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts)
    {
        // A run of one byte (spaces, one letter) merges in position order, where the heap's sifts stop at once; anything
        // else (letters, base64, digits) pays the heap's full sifts and their mispredicted branches, which the blocks avoid.
        return piece.IndexOfAnyExcept(piece[0]) < 0 ? Heap(vocabulary, piece, starts) : Blocks(vocabulary, piece, starts);
    }

    /// <summary>
    /// The merge of a piece of at most <see cref="WindowBytes"/> bytes with the lowest key found by vector minimums: each part's
    /// key (rank, position) sits in an array cut into blocks of <see cref="BlockKeys"/>, with each block's minimum beside it, so a
    /// merge takes the minimum of the block minimums and recomputes the one to three blocks whose keys changed, without branches
    /// that depend on the ranks. Makes the same merges in the same order as the heap.
    /// </summary>
    private static int Blocks(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts)
    {
        int n = piece.Length;
        int blocks = (n + BlockKeys - 1) / BlockKeys;
        int minimums = (blocks + Vector<long>.Count - 1) / Vector<long>.Count * Vector<long>.Count;
        int[] next = ArrayPool<int>.Shared.Rent(n);
        int[] previous = ArrayPool<int>.Shared.Rent(n);
        long[] keyArray = ArrayPool<long>.Shared.Rent(blocks * BlockKeys);
        long[] minimumArray = ArrayPool<long>.Shared.Rent(minimums);
        try
        {
            Span<long> keys = keyArray.AsSpan(0, blocks * BlockKeys);
            Span<long> lowest = minimumArray.AsSpan(0, minimums);
            for (int i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                keys[i] = BlockKey(i + 1 < n ? vocabulary.GetPairRank(piece[i], piece[i + 1]) : TiktokenVocabulary.NotAToken, i);
            }

            keys[n..].Fill(NoKey);
            lowest.Fill(NoKey);
            for (int b = 0; b < blocks; b++)
            {
                lowest[b] = BlockMinimum(keys, b);
            }

            int parts = n;
            while (true)
            {
                // The part with the lowest-ranked pair (the leftmost among equals) absorbs its next part.
                long best = Minimum(lowest);
                if (best == NoKey)
                {
                    break;
                }

                int start = (int)(best & 0xFFFFFFFF);
                int after = Absorb(next, previous, start, n, out int absorbed);
                parts--;
                keys[absorbed] = NoKey;
                keys[start] = BlockKey(after < n ? vocabulary.GetRank(piece[start..next[after]]) : TiktokenVocabulary.NotAToken, start);
                int before = previous[start];
                if (before >= 0)
                {
                    keys[before] = BlockKey(vocabulary.GetRank(piece[before..after]), before);
                }

                int startBlock = start / BlockKeys;
                lowest[startBlock] = BlockMinimum(keys, startBlock);
                int absorbedBlock = absorbed / BlockKeys;
                if (absorbedBlock != startBlock)
                {
                    lowest[absorbedBlock] = BlockMinimum(keys, absorbedBlock);
                }

                int beforeBlock = before / BlockKeys;
                if (before >= 0 && beforeBlock != startBlock)
                {
                    lowest[beforeBlock] = BlockMinimum(keys, beforeBlock);
                }
            }

            WriteStarts(next, n, starts);
            return parts;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<long>.Shared.Return(keyArray);
            ArrayPool<long>.Shared.Return(minimumArray);
        }
    }

    /// <summary>The key of a part in <see cref="Blocks"/>: its pair's rank, then its position; <see cref="NoKey"/> when the pair is no token.</summary>
    private static long BlockKey(int rank, int start) => rank == TiktokenVocabulary.NotAToken ? NoKey : Key(rank, start);

    /// <summary>The lowest key of block <paramref name="block"/>.</summary>
    private static long BlockMinimum(ReadOnlySpan<long> keys, int block) => Minimum(keys.Slice(block * BlockKeys, BlockKeys));

    /// <summary>
    /// Joins the part at <paramref name="start"/> with the part after it (<paramref name="absorbed"/>) in the list of
    /// parts, and returns where the part after the joined one starts (<paramref name="n"/> at the end).
    /// </summary>
    private static int Absorb(Span<int> next, Span<int> previous, int start, int n, out int absorbed)
    {
        absorbed = next[start];
        int after = next[absorbed];
        next[start] = after;
        if (after < n)
        {
            previous[after] = start;
        }

        return after;
    }

    /// <summary>Writes where each part left by a merge starts, then <paramref name="n"/>, when <paramref name="starts"/> is wanted.</summary>
    private static void WriteStarts(ReadOnlySpan<int> next, int n, Span<int> starts)
    {
        if (starts.IsEmpty)
        {
            return;
        }

        int j = 0;
        for (int part = 0; part < n; part = next[part])
        {
            starts[j++] = part;
        }

        starts[j] = n;
    }

    /// <summary>The lowest of some keys, whose count is a multiple of the vector width.</summary>
    private static long Minimum(ReadOnlySpan<long> keys)
    {
        var lowest = new Vector<long>(keys);
        for (int k = Vector<long>.Count; k < keys.Length; k += Vector<long>.Count)
        {
            lowest = Vector.Min(lowest, new Vector<long>(keys[k..]));
        }

        long value = lowest[0];
        for (int k = 1; k < Vector<long>.Count; k++)
        {
            value = Math.Min(value, lowest[k]);
        }

        return value;
    }

    private static int Heap(TiktokenVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts)
    {
        int n = piece.Length;
        int[] next = ArrayPool<int>.Shared.Rent(n);
        int[] previous = ArrayPool<int>.Shared.Rent(n);
        int[] slots = ArrayPool<int>.Shared.Rent(n);
        long[] heap = ArrayPool<long>.Shared.Rent(n);
        try
        {
            // Each part whose pair with its next part is a token has one entry (rank, start), kept at slots[start] and
            // updated in place when the pair changes, so the heap never holds stale entries. Ordered bottom-up at once.
            var queue = new MergeQueue(heap, slots);
            for (int i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                slots[i] = -1;
                int rank = i + 1 < n ? vocabulary.GetPairRank(piece[i], piece[i + 1]) : TiktokenVocabulary.NotAToken;
                if (rank != TiktokenVocabulary.NotAToken)
                {
                    queue.Append(Key(rank, i));
                }
            }

            queue.Heapify();
            int parts = n;
            while (queue.Size > 0)
            {
                // The part with the lowest-ranked pair (the leftmost among equals) absorbs its next part.
                int start = (int)(queue.Top & 0xFFFFFFFF);
                int after = Absorb(next, previous, start, n, out int absorbed);
                parts--;
                queue.Remove(absorbed);
                queue.Update(start, after < n ? vocabulary.GetRank(piece[start..next[after]]) : TiktokenVocabulary.NotAToken);
                int before = previous[start];
                if (before >= 0)
                {
                    queue.Update(before, vocabulary.GetRank(piece[before..after]));
                }
            }

            WriteStarts(next, n, starts);
            return parts;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<int>.Shared.Return(slots);
            ArrayPool<long>.Shared.Return(heap);
        }
    }

    private static long Key(int rank, int start) => ((long)rank << 32) | (uint)start;

    /// <summary>
    /// A 4-ary min-heap of keys (rank, part) with one entry per part at most, whose index is kept in the slots
    /// array (-1 when the part has none), so an entry is changed or removed in place.
    /// </summary>
    private ref struct MergeQueue
    {
        private readonly Span<long> _heap;
        private readonly Span<int> _slots;

        public MergeQueue(Span<long> heap, Span<int> slots)
        {
            _heap = heap;
            _slots = slots;
            Size = 0;
        }

        public int Size { get; private set; }

        public readonly long Top => _heap[0];

        /// <summary>Adds an entry without ordering; <see cref="Heapify"/> orders them all.</summary>
        public void Append(long key)
        {
            _slots[(int)(key & 0xFFFFFFFF)] = Size;
            _heap[Size++] = key;
        }

        public readonly void Heapify()
        {
            for (int i = (Size - 2) >> 2; i >= 0; i--)
            {
                SiftDown(i, _heap[i]);
            }
        }

        /// <summary>Sets the rank of a part's pair (<see cref="TiktokenVocabulary.NotAToken"/> removes its entry).</summary>
        public void Update(int part, int rank)
        {
            if (rank == TiktokenVocabulary.NotAToken)
            {
                Remove(part);
                return;
            }

            long key = Key(rank, part);
            int i = _slots[part];
            if (i < 0)
            {
                SiftUp(Size++, key);
            }
            else if (key < _heap[i])
            {
                SiftUp(i, key);
            }
            else
            {
                SiftDown(i, key);
            }
        }

        /// <summary>Removes a part's entry, if it has one.</summary>
        public void Remove(int part)
        {
            int i = _slots[part];
            if (i < 0)
            {
                return;
            }

            _slots[part] = -1;
            long last = _heap[--Size];
            if (i < Size)
            {
                if (last < _heap[i])
                {
                    SiftUp(i, last);
                }
                else
                {
                    SiftDown(i, last);
                }
            }
        }

        private readonly void SiftUp(int i, long key)
        {
            Span<long> heap = _heap;
            while (i > 0)
            {
                int parent = (i - 1) >> 2;
                long above = heap[parent];
                if (above <= key)
                {
                    break;
                }

                heap[i] = above;
                _slots[(int)(above & 0xFFFFFFFF)] = i;
                i = parent;
            }

            heap[i] = key;
            _slots[(int)(key & 0xFFFFFFFF)] = i;
        }

        private readonly void SiftDown(int i, long key)
        {
            Span<long> heap = _heap;
            int size = Size;
            while (true)
            {
                int child = (4 * i) + 1;
                if (child >= size)
                {
                    break;
                }

                int smallest;
                long value;
                if (child + 3 < size)
                {
                    // All four children: the smallest by comparisons the compiler turns into conditional moves, not branches.
                    long first = heap[child], second = heap[child + 1], third = heap[child + 2], fourth = heap[child + 3];
                    int low = second < first ? child + 1 : child;
                    long lowValue = Math.Min(first, second);
                    int high = fourth < third ? child + 3 : child + 2;
                    long highValue = Math.Min(third, fourth);
                    smallest = highValue < lowValue ? high : low;
                    value = Math.Min(lowValue, highValue);
                }
                else
                {
                    smallest = child;
                    value = heap[child];
                    for (int c = child + 1; c < size; c++)
                    {
                        if (heap[c] < value)
                        {
                            value = heap[c];
                            smallest = c;
                        }
                    }
                }

                if (value >= key)
                {
                    break;
                }

                heap[i] = value;
                _slots[(int)(value & 0xFFFFFFFF)] = i;
                i = smallest;
            }

            heap[i] = key;
            _slots[(int)(key & 0xFFFFFFFF)] = i;
        }
    }
}

/// <summary>
/// A join of two windows inside a piece merged window by window: the merge can resume by merging window
/// <see cref="Window"/> again and going on from its token that starts at <see cref="NextByte"/>, the piece's
/// token number <see cref="Tokens"/> (counted from 0). <c>default</c> (0 tokens) means the piece's start.
/// </summary>
internal readonly record struct WindowJoin(int Window, int NextByte, int Tokens);

/// <summary>The joins remembered while a piece was counted window by window.</summary>
internal sealed class WindowJoins
{
    private WindowJoin[] _items = new WindowJoin[64];

    /// <summary>Gets the number of joins.</summary>
    public int Count { get; private set; }

    /// <summary>Gets a join.</summary>
    public WindowJoin this[int index] => _items[index];

    /// <summary>Forgets every join.</summary>
    public void Clear() => Count = 0;

    /// <summary>Remembers a join.</summary>
    public void Add(WindowJoin join)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
        }

        _items[Count++] = join;
    }
}
