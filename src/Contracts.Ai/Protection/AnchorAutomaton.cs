using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>
/// Finds, in one pass over a text, every place where any of many ASCII literals starts (ignoring ASCII case),
/// and which groups those literals belong to: an Aho-Corasick automaton over the characters the literals use.
/// The phrasing signals of <see cref="HeuristicInjectionDetector"/> share one, so the text is read once for
/// all their anchors instead of once per signal.
/// </summary>
/// <remarks>
/// Immutable after construction and safe to share. A character outside ASCII never belongs to a literal; the
/// text it scans has been folded to ASCII letters beforehand (<see cref="ScreeningNormalizer"/>), so this
/// finds the same places as a search ignoring case would.
/// </remarks>
internal sealed class AnchorAutomaton
{
    private readonly byte[] _classes = new byte[128];
    private readonly int _classCount;
    private readonly int[] _next;
    private readonly int[] _outputStart;
    private readonly Output[] _outputs;

    /// <summary>Builds the automaton; literal <c>groups[g]</c> are the literals of group <c>g</c> (at most 64 groups).</summary>
    /// <exception cref="ArgumentException">More than 64 groups, or a literal that is empty or not ASCII.</exception>
    public AnchorAutomaton(IReadOnlyList<string[]> groups)
    {
        if (groups.Count > 64)
        {
            throw new ArgumentException("At most 64 groups of anchors.", nameof(groups));
        }

        // Character classes: one per distinct (lower-cased) character the literals use; 0 for every other character.
        int classes = 1;
        foreach (string[] literals in groups)
        {
            foreach (string literal in literals)
            {
                if (literal.Length == 0)
                {
                    throw new ArgumentException("An anchor is empty.", nameof(groups));
                }

                foreach (char c in literal)
                {
                    if (c >= 128)
                    {
                        throw new ArgumentException($"The anchor '{literal}' is not ASCII.", nameof(groups));
                    }

                    char lower = char.ToLowerInvariant(c);
                    if (_classes[lower] == 0)
                    {
                        _classes[lower] = (byte)classes++;
                    }
                }
            }
        }

        for (char c = 'A'; c <= 'Z'; c++)
        {
            _classes[c] = _classes[c + 32];
        }

        _classCount = classes;

        // The trie: goto transitions (-1 when absent) and, per node, what ends there (literal length, groups).
        var trie = new List<int[]> { NewRow() };
        var ends = new List<Dictionary<int, ulong>?> { null };
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (string literal in groups[g])
            {
                int node = 0;
                foreach (char c in literal)
                {
                    int cls = _classes[c];
                    if (trie[node][cls] < 0)
                    {
                        trie[node][cls] = trie.Count;
                        trie.Add(NewRow());
                        ends.Add(null);
                    }

                    node = trie[node][cls];
                }

                Dictionary<int, ulong> atNode = ends[node] ??= [];
                atNode[literal.Length] = (atNode.TryGetValue(literal.Length, out ulong mask) ? mask : 0) | (1UL << g);
            }
        }

        // Breadth first: failure links, full transitions, and each node's outputs merged with its failure node's.
        int states = trie.Count;
        _next = new int[states * _classCount];
        var fail = new int[states];
        var merged = new List<Output>[states];
        merged[0] = [];
        var queue = new Queue<int>();
        for (int cls = 0; cls < _classCount; cls++)
        {
            int child = trie[0][cls];
            _next[cls] = child < 0 ? 0 : child;
            if (child > 0)
            {
                fail[child] = 0;
                queue.Enqueue(child);
            }
        }

        while (queue.Count > 0)
        {
            int node = queue.Dequeue();
            var outputs = new List<Output>(merged[fail[node]]);
            if (ends[node] is { } own)
            {
                foreach (KeyValuePair<int, ulong> end in own)
                {
                    Merge(outputs, end.Key, end.Value);
                }
            }

            merged[node] = outputs;
            for (int cls = 0; cls < _classCount; cls++)
            {
                int child = trie[node][cls];
                if (child < 0)
                {
                    _next[(node * _classCount) + cls] = _next[(fail[node] * _classCount) + cls];
                }
                else
                {
                    _next[(node * _classCount) + cls] = child;
                    fail[child] = _next[(fail[node] * _classCount) + cls];
                    queue.Enqueue(child);
                }
            }
        }

        _outputStart = new int[states + 1];
        var all = new List<Output>();
        for (int node = 0; node < states; node++)
        {
            _outputStart[node] = all.Count;
            all.AddRange(merged[node]);
        }

        _outputStart[states] = all.Count;
        _outputs = [.. all];

        // Transitions hold the target's row offset, complemented when literals end at the target, so the scan
        // reads one table per character and looks at outputs only where something ends.
        for (int i = 0; i < _next.Length; i++)
        {
            int target = _next[i];
            int offset = target * _classCount;
            _next[i] = _outputStart[target + 1] > _outputStart[target] ? ~offset : offset;
        }

        int[] NewRow()
        {
            var row = new int[_classCount];
            Array.Fill(row, -1);
            return row;
        }
    }

    /// <summary>
    /// Adds to <paramref name="hits"/> every place in <paramref name="text"/> where a literal starts, with the groups
    /// of the literals that start there, in the order the literals end (so a start may repeat, with other groups).
    /// </summary>
    public void Scan(ReadOnlySpan<char> text, Hits hits)
    {
        int[] next = _next;
        byte[] classes = _classes;
        int row = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int target = next[row + (c < 128 ? classes[c] : 0)];
            if (target >= 0)
            {
                row = target;
                continue;
            }

            row = ~target;
            int state = row / _classCount;
            int last = _outputStart[state + 1];
            for (int o = _outputStart[state]; o < last; o++)
            {
                Output output = _outputs[o];
                hits.Add(i + 1 - output.Length, output.Groups);
            }
        }
    }

    private static void Merge(List<Output> outputs, int length, ulong groups)
    {
        for (int i = 0; i < outputs.Count; i++)
        {
            if (outputs[i].Length == length)
            {
                outputs[i] = new Output(length, outputs[i].Groups | groups);
                return;
            }
        }

        outputs.Add(new Output(length, groups));
    }

    /// <summary>Literals of one length that end at a state, and their groups.</summary>
    private readonly record struct Output(int Length, ulong Groups);

    /// <summary>Places where literals start and their groups; a growable buffer, reused per thread.</summary>
    internal sealed class Hits
    {
        private int[] _starts;
        private ulong[] _groups;

        public Hits(int capacity)
        {
            _starts = new int[capacity];
            _groups = new ulong[capacity];
        }

        /// <summary>Gets the number of hits.</summary>
        public int Count { get; private set; }

        /// <summary>Gets the capacity of the buffer.</summary>
        public int Capacity => _starts.Length;

        /// <summary>Gets the start of hit <paramref name="i"/>.</summary>
        public int Start(int i) => _starts[i];

        /// <summary>Gets the groups of hit <paramref name="i"/>.</summary>
        public ulong Groups(int i) => _groups[i];

        /// <summary>Adds a hit, merging it into the last one when that starts at the same place.</summary>
        public void Add(int start, ulong groups)
        {
            if (Count > 0 && _starts[Count - 1] == start)
            {
                _groups[Count - 1] |= groups;
                return;
            }

            if (Count == _starts.Length)
            {
                Array.Resize(ref _starts, _starts.Length * 2);
                Array.Resize(ref _groups, _groups.Length * 2);
            }

            _starts[Count] = start;
            _groups[Count] = groups;
            Count++;
        }

        /// <summary>Forgets the hits, keeping the buffer.</summary>
        public void Clear() => Count = 0;
    }
}
