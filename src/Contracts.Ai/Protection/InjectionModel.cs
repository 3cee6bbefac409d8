using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Numerics;

namespace Contracts.Ai;

/// <summary>
/// The learned part of <see cref="HeuristicInjectionDetector"/>: two logistic regressions over hashed word
/// unigrams and bigrams, trained offline (<c>tools/screening-model/train.py</c>) and shipped as an embedded
/// resource. The prompt model scores a whole text for jailbreak phrasing; the segment model scores each
/// line or sentence of tool output for an instruction addressed to the assistant, and the highest counts.
/// </summary>
/// <remarks>
/// Features are presence-only and scaled by one over the square root of their count, exactly as the
/// trainer computes them (its <c>features.py</c> mirrors the tokenizer here). Scoring allocates
/// nothing: per-thread bits (a bit per feature) remove duplicate features, without a branch per feature.
/// Immutable after loading; safe to share.
/// </remarks>
internal sealed class InjectionModel
{
    private const int Bits = 18;
    private const int Mask = (1 << Bits) - 1;
    private const uint FnvOffset = 2166136261;
    private const uint FnvPrime = 16777619;
    private const int MinSegmentTokens = 3;

    [ThreadStatic]
    private static Scratch? t_scratch;

    [ThreadStatic]
    private static FeatureMarks? t_marks;

    // ASCII: the lower-case form of a token character, 0 for a character that is not one.
    private static readonly char[] AsciiToken = BuildAsciiTokenTable();

    private readonly CompactWeights _weights;
    private readonly float _promptBias;
    private readonly float _segmentBias;

    private InjectionModel(float[] prompt, float promptBias, float[] segment, float segmentBias)
    {
        _weights = new CompactWeights(prompt, segment);
        _promptBias = promptBias;
        _segmentBias = segmentBias;
    }

    /// <summary>Gets the model shipped in the assembly, loaded on first use.</summary>
    public static InjectionModel Default => Holder.Instance;

    /// <summary>Reads a model: deflated; 'CAIM', version 1, bits; per model a bias, a count and (index, weight) pairs.</summary>
    /// <exception cref="InvalidDataException">The data is not a model of this format.</exception>
    public static InjectionModel Read(Stream deflated)
    {
        using var inflated = new DeflateStream(deflated, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        inflated.CopyTo(buffer);
        ReadOnlySpan<byte> data = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (data.Length < 12 || !data[..4].SequenceEqual("CAIM"u8) || BinaryPrimitives.ReadInt32LittleEndian(data[4..]) != 1
            || BinaryPrimitives.ReadInt32LittleEndian(data[8..]) != Bits)
        {
            throw new InvalidDataException($"Not an injection model: expected the 'CAIM' header, version 1, {Bits} bits.");
        }

        int offset = 12;
        float[] prompt = ReadWeights(data, ref offset, out float promptBias);
        float[] segment = ReadWeights(data, ref offset, out float segmentBias);
        return new InjectionModel(prompt, promptBias, segment, segmentBias);
    }

    /// <summary>The probability that <paramref name="text"/> as a whole is a jailbreak or instruction override.</summary>
    public double ScorePrompt(ReadOnlySpan<char> text)
    {
        FeatureMarks marks = t_marks ??= new FeatureMarks();
        ulong[] seen = marks.Prompt;
        int[] touched = marks.PromptTouched(text.Length + 1);
        int marked = 0;
        double sum = 0;
        int count = 0;
        uint previous = 0;
        bool hasPrevious = false;
        int i = 0;
        while (true)
        {
            char lower = '\0';
            while (i < text.Length && (lower = LowerToken(text[i])) == '\0')
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            // The word's unigram hash and, continued from the previous word's, its bigram, in one walk.
            uint hash = FnvOffset, bigram = Step(previous, ' ');
            do
            {
                hash = Step(hash, lower);
                bigram = Step(bigram, lower);
            }
            while (++i < text.Length && (lower = LowerToken(text[i])) != '\0');

            int fresh = Mark(seen, touched, ref marked, hash);
            sum += (double)_weights.Prompt(hash) * fresh;
            count += fresh;
            if (hasPrevious)
            {
                fresh = Mark(seen, touched, ref marked, bigram);
                sum += (double)_weights.Prompt(bigram) * fresh;
                count += fresh;
            }

            previous = hash;
            hasPrevious = true;
        }

        FeatureMarks.Clear(seen, touched, marked);
        return Sigmoid(_promptBias, sum, count);
    }

    /// <summary>
    /// Scores <paramref name="text"/> with both models in one pass over its words: returns what <see cref="ScorePrompt"/>
    /// returns, and sets <paramref name="segments"/> to what <see cref="ScoreSegments"/> returns. A word never spans a
    /// segment's end (segments end at characters that are not word characters), so the features are the same.
    /// </summary>
    /// <remarks>
    /// A word's unigram and its bigram with the word before are the same features in both models (a segment's
    /// bigram chains from the previous word's hash like the prompt's), so each is hashed once, in one walk over
    /// the word's characters, and both weights are read together.
    /// </remarks>
    public double ScoreBoth(ReadOnlySpan<char> text, out double segments)
    {
        FeatureMarks marks = t_marks ??= new FeatureMarks();
        ulong[] promptSeen = marks.Prompt, segmentSeen = marks.Segment;
        int[] promptTouched = marks.PromptTouched(text.Length + 1), segmentTouched = marks.SegmentTouched(text.Length + 1);
        int promptMarked = 0, segmentMarked = 0;
        double promptSum = 0, segmentSum = 0, best = 0;
        int promptCount = 0, segmentCount = 0, segmentTokens = 0;
        uint previous = 0;
        bool hasPrevious = false;
        int i = 0;
        while (true)
        {
            // Segment ends between the last word and this one (or the end of the text) close the open segment.
            char lower = '\0';
            while (i < text.Length && (lower = LowerToken(text[i])) == '\0')
            {
                if (IsSegmentEnd(text, i))
                {
                    best = Math.Max(best, CloseSegment(segmentSum, segmentCount, segmentTokens));
                    FeatureMarks.Clear(segmentSeen, segmentTouched, segmentMarked);
                    segmentMarked = 0;
                    segmentSum = 0;
                    segmentCount = 0;
                    segmentTokens = 0;
                }

                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            // The word's unigram hash, its bigram continued from the previous word's hash, and its marked
            // first-word form, in one walk over its characters.
            uint hash = FnvOffset, bigram = Step(previous, ' '), first = Step(FnvOffset, '^');
            do
            {
                hash = Step(hash, lower);
                bigram = Step(bigram, lower);
                first = Step(first, lower);
            }
            while (++i < text.Length && (lower = LowerToken(text[i])) != '\0');

            // The unigram counts in both models; the bigram in the prompt model, and in the segment model unless
            // the word opens a segment, where the marked first word counts instead.
            _weights.Get(hash, out float promptWeight, out float segmentWeight);
            int fresh = Mark(promptSeen, promptTouched, ref promptMarked, hash);
            promptSum += (double)promptWeight * fresh;
            promptCount += fresh;
            fresh = Mark(segmentSeen, segmentTouched, ref segmentMarked, hash);
            segmentSum += (double)segmentWeight * fresh;
            segmentCount += fresh;

            if (hasPrevious)
            {
                _weights.Get(bigram, out promptWeight, out segmentWeight);
                fresh = Mark(promptSeen, promptTouched, ref promptMarked, bigram);
                promptSum += (double)promptWeight * fresh;
                promptCount += fresh;
                if (segmentTokens != 0)
                {
                    fresh = Mark(segmentSeen, segmentTouched, ref segmentMarked, bigram);
                    segmentSum += (double)segmentWeight * fresh;
                    segmentCount += fresh;
                }
            }

            if (segmentTokens == 0)
            {
                fresh = Mark(segmentSeen, segmentTouched, ref segmentMarked, first);
                segmentSum += (double)_weights.Segment(first) * fresh;
                segmentCount += fresh;
            }

            previous = hash;
            hasPrevious = true;
            segmentTokens++;
        }

        best = Math.Max(best, CloseSegment(segmentSum, segmentCount, segmentTokens));
        FeatureMarks.Clear(segmentSeen, segmentTouched, segmentMarked);
        FeatureMarks.Clear(promptSeen, promptTouched, promptMarked);
        segments = best;
        return Sigmoid(_promptBias, promptSum, promptCount);
    }

    /// <summary>
    /// Marks the feature of <paramref name="hash"/> as counted and notes its word for clearing; returns 1 when it
    /// was not counted yet, else 0. Without branches: whether a feature repeats is unpredictable, and the caller
    /// multiplies its weight by the result instead of testing it (a weight times 1 is the weight exactly, times 0 adds zero).
    /// </summary>
    private static int Mark(ulong[] seen, int[] touched, ref int marked, uint hash)
    {
        int index = (int)(hash & Mask);
        ref ulong word = ref seen[index >> 6];
        ulong value = word;
        word = value | (1UL << index);
        touched[marked++] = index >> 6;
        return (int)(~(value >> index) & 1);
    }

    private double CloseSegment(double sum, int count, int tokens) => tokens < MinSegmentTokens ? 0 : Sigmoid(_segmentBias, sum, count);

    /// <summary>The highest probability, over the lines and sentences of <paramref name="text"/>, that one is an instruction to the assistant.</summary>
    public double ScoreSegments(ReadOnlySpan<char> text)
    {
        Scratch scratch = t_scratch ??= new Scratch();
        double best = 0;
        int segmentStart = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || IsSegmentEnd(text, i))
            {
                if (i > segmentStart)
                {
                    best = Math.Max(best, ScoreSegment(scratch, text[segmentStart..Math.Min(text.Length, i + 1)]));
                }

                segmentStart = i + 1;
            }
        }

        return best;
    }

    private double ScoreSegment(Scratch scratch, ReadOnlySpan<char> segment)
    {
        double sum = 0;
        int count = 0, tokens = 0;
        uint previous = 0;
        int i = 0;
        while (NextToken(segment, ref i, out int start, out int length))
        {
            ReadOnlySpan<char> token = segment.Slice(start, length);
            uint hash;
            if (tokens == 0)
            {
                hash = HashFirst(token, out uint first);
                Add(scratch, hash, _weights.Segment(hash), ref sum, ref count);
                Add(scratch, first, _weights.Segment(first), ref sum, ref count);
            }
            else
            {
                hash = HashPair(Step(previous, ' '), token, out uint bigram);
                Add(scratch, hash, _weights.Segment(hash), ref sum, ref count);
                Add(scratch, bigram, _weights.Segment(bigram), ref sum, ref count);
            }

            previous = hash;
            tokens++;
        }

        scratch.Clear();
        return tokens < MinSegmentTokens ? 0 : Sigmoid(_segmentBias, sum, count);
    }

    /// <summary>A segment ends at a newline, or at . ? ! : followed by white space or the end.</summary>
    private static bool IsSegmentEnd(ReadOnlySpan<char> text, int i)
    {
        char c = text[i];
        return c == '\n' || (c is '.' or '?' or '!' or ':' && (i + 1 == text.Length || text[i + 1] is ' ' or '\t' or '\r' or '\n'));
    }

    /// <summary>Token characters: ASCII letters and digits, and letters of the basic multilingual plane.</summary>
    internal static bool IsTokenChar(char c) => c < 128 ? AsciiToken[c] != 0 : c < '\uD800' && char.IsLetter(c);

    private static bool NextToken(ReadOnlySpan<char> text, ref int i, out int start, out int length)
    {
        while (i < text.Length && !IsTokenChar(text[i]))
        {
            i++;
        }

        start = i;
        while (i < text.Length && IsTokenChar(text[i]))
        {
            i++;
        }

        length = i - start;
        return length > 0;
    }

    /// <summary>The unigram hash of <paramref name="token"/>, and the hash of the same characters continued from <paramref name="seed"/> (the bigram).</summary>
    private static uint HashPair(uint seed, ReadOnlySpan<char> token, out uint continued)
    {
        uint hash = FnvOffset, other = seed;
        foreach (char c in token)
        {
            char lower = Lower(c);
            hash = Step(hash, lower);
            other = Step(other, lower);
        }

        continued = other;
        return hash;
    }

    /// <summary>The unigram hash of <paramref name="token"/>, and its marked first-word form.</summary>
    private static uint HashFirst(ReadOnlySpan<char> token, out uint first) => HashPair(Step(FnvOffset, '^'), token, out first);

    /// <summary>The lower-case form of a token character, <c>'\0'</c> for a character that is not one.</summary>
    private static char LowerToken(char c) => c < 128 ? AsciiToken[c] : c < '\uD800' && char.IsLetter(c) ? char.ToLowerInvariant(c) : '\0';

    private static char Lower(char c) => c < 128 ? AsciiToken[c] : char.ToLowerInvariant(c);

    private static uint Step(uint hash, char c) => (hash ^ c) * FnvPrime;

    private static void Add(Scratch scratch, uint hash, float weight, ref double sum, ref int count)
    {
        if (scratch.TrySet((int)(hash & Mask)))
        {
            sum += weight;
            count++;
        }
    }

    private static double Sigmoid(float bias, double sum, int count)
    {
        double z = bias + (count == 0 ? 0 : sum / Math.Sqrt(count));
        return 1 / (1 + Math.Exp(-Math.Clamp(z, -30, 30)));
    }

    private static char[] BuildAsciiTokenTable()
    {
        var table = new char[128];
        for (char c = '0'; c < 128; c++)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                table[c] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            }
        }

        return table;
    }

    private static float[] ReadWeights(ReadOnlySpan<byte> data, ref int offset, out float bias)
    {
        if (data.Length < offset + 8)
        {
            throw new InvalidDataException("Injection model truncated.");
        }

        bias = BinaryPrimitives.ReadSingleLittleEndian(data[offset..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(data[(offset + 4)..]);
        offset += 8;
        if (count < 0 || data.Length < offset + (count * 8L))
        {
            throw new InvalidDataException("Injection model truncated.");
        }

        var weights = new float[1 << Bits];
        for (int i = 0; i < count; i++, offset += 8)
        {
            int index = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            if ((uint)index > Mask)
            {
                throw new InvalidDataException($"Injection model: feature index {index} out of range.");
            }

            weights[index] = BinaryPrimitives.ReadSingleLittleEndian(data[(offset + 4)..]);
        }

        return weights;
    }

    private static class Holder
    {
        internal static readonly InjectionModel Instance = Load();

        private static InjectionModel Load()
        {
            using Stream stream = typeof(InjectionModel).Assembly.GetManifestResourceStream("Contracts.Ai.Protection.injection-model.bin")
                ?? throw new InvalidOperationException("The injection model resource is missing from the assembly.");
            return Read(stream);
        }
    }

    /// <summary>
    /// Both models' weights, stored for the features either model weighs only (about one in six): a bit per
    /// feature with the count of weighed features before each block of 64, and the two weights of each weighed
    /// feature side by side. About 400 KB instead of two 1 MB arrays, so the weights stay in the processor's
    /// cache, and a word read for one model brings the other model's weight with it.
    /// </summary>
    private sealed class CompactWeights
    {
        private readonly Block[] _blocks = new Block[(1 << Bits) / 64];
        private readonly float[] _pairs;

        public CompactWeights(float[] prompt, float[] segment)
        {
            int weighed = 0;
            for (int block = 0; block < _blocks.Length; block++)
            {
                ulong bits = 0;
                for (int bit = 0; bit < 64; bit++)
                {
                    int index = (block * 64) + bit;
                    if (prompt[index] != 0 || segment[index] != 0)
                    {
                        bits |= 1UL << bit;
                    }
                }

                _blocks[block] = new Block(bits, weighed);
                weighed += BitOperations.PopCount(bits);
            }

            // Pair 0 holds two zeros, the weights of every feature neither model weighs.
            _pairs = new float[(weighed + 1) * 2];
            for (int index = 0, n = 2; index < prompt.Length; index++)
            {
                if (prompt[index] != 0 || segment[index] != 0)
                {
                    _pairs[n++] = prompt[index];
                    _pairs[n++] = segment[index];
                }
            }
        }

        /// <summary>Reads both weights of the feature <paramref name="hash"/> falls in.</summary>
        public void Get(uint hash, out float prompt, out float segment)
        {
            int slot = Slot(hash);
            prompt = _pairs[slot];
            segment = _pairs[slot + 1];
        }

        public float Prompt(uint hash)
        {
            int slot = Slot(hash);
            return _pairs[slot];
        }

        public float Segment(uint hash)
        {
            int slot = Slot(hash);
            return _pairs[slot + 1];
        }

        /// <summary>The offset of the feature's pair of weights, 0 (the pair of zeros) for a feature neither model weighs; without branches.</summary>
        private int Slot(uint hash)
        {
            int index = (int)(hash & Mask);
            Block block = _blocks[index >> 6];
            int weighed = (int)(block.Bits >> index) & 1;
            return (block.Before + BitOperations.PopCount(block.Bits & ((1UL << index) - 1)) + 1) * 2 * weighed;
        }

        private readonly record struct Block(ulong Bits, int Before);
    }

    /// <summary>
    /// The features counted so far in a text, a bit per feature: for the prompt model over the whole text, and for
    /// the segment model in the current segment; with the words set, so a clear touches only those. Reused per thread.
    /// </summary>
    private sealed class FeatureMarks
    {
        private int[] _promptTouched = new int[1024];
        private int[] _segmentTouched = new int[1024];

        /// <summary>Gets the prompt model's bits.</summary>
        public ulong[] Prompt { get; } = new ulong[(1 << Bits) / 64];

        /// <summary>Gets the segment model's bits.</summary>
        public ulong[] Segment { get; } = new ulong[(1 << Bits) / 64];

        /// <summary>Clears the words of <paramref name="seen"/> noted in the first <paramref name="marked"/> entries of <paramref name="touched"/>.</summary>
        public static void Clear(ulong[] seen, int[] touched, int marked)
        {
            for (int i = 0; i < marked; i++)
            {
                seen[touched[i]] = 0;
            }
        }

        /// <summary>Room to note <paramref name="capacity"/> marks of the prompt model (a text of n characters has at most n + 1 features).</summary>
        public int[] PromptTouched(int capacity) => Ensure(ref _promptTouched, capacity);

        /// <summary>Room to note <paramref name="capacity"/> marks of the segment model.</summary>
        public int[] SegmentTouched(int capacity) => Ensure(ref _segmentTouched, capacity);

        private static int[] Ensure(ref int[] touched, int capacity)
        {
            if (touched.Length < capacity)
            {
                // A huge text needs a large list once; later texts of message size get a small one back.
                return capacity > 64 * 1024 ? new int[capacity] : touched = new int[Math.Max(capacity, touched.Length * 2)];
            }

            return touched;
        }
    }

    /// <summary>A bit per feature, and the words set since the last clear.</summary>
    private sealed class Scratch
    {
        private readonly ulong[] _bits = new ulong[(1 << Bits) / 64];
        private int[] _touched = new int[256];
        private int _touchedCount;

        public bool TrySet(int index)
        {
            int word = index >> 6;
            ulong bit = 1UL << (index & 63);
            ulong value = _bits[word];
            if ((value & bit) != 0)
            {
                return false;
            }

            if (value == 0)
            {
                if (_touchedCount == _touched.Length)
                {
                    Array.Resize(ref _touched, _touched.Length * 2);
                }

                _touched[_touchedCount++] = word;
            }

            _bits[word] = value | bit;
            return true;
        }

        public void Clear()
        {
            for (int i = 0; i < _touchedCount; i++)
            {
                _bits[_touched[i]] = 0;
            }

            _touchedCount = 0;
        }
    }
}
