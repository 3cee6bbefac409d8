using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// The built-in, in-process prompt-injection detector: scores general phrasing signals (instruction
/// overrides, persona hijacks, guardrail evasion, system-prompt exfiltration, fake chat markup, output
/// directives hidden in data), invisible Unicode (tag characters, zero-width characters inside words,
/// bidi controls) and encoded payloads (base64 that decodes to such phrasing), in English and in French,
/// German, Spanish, Portuguese, Italian and Dutch; and adds two small learned models (logistic regressions
/// over hashed words, shipped inside the assembly): one scores a whole text as a jailbreak prompt, the other
/// each line or sentence of tool output as an instruction addressed to the assistant.
/// </summary>
/// <remarks>
/// Each signal has a weight per kind of origin; the score is the noisy-or of the weights of the signals
/// that fired (1 - the product of 1 - weight), and the text is an injection when the score reaches the
/// threshold of its origin (<see cref="InjectionThresholds"/>). Before anything is matched, invisible
/// characters are removed and hidden tag text decoded, so they cannot split a phrase; encoding layers
/// (JSON <c>\uXXXX</c> escapes, HTML entities, URL encoding) are decoded; compatibility forms and accents
/// are folded (NFKD) and confusable Cyrillic and Greek letters mapped to Latin, so "ign\u043Ere" (Cyrillic
/// o) reads "ignore". A learned probability of at least 0.5 adds a signal weighing that probability. The
/// detector is stateless after construction and safe to use concurrently.
/// </remarks>
public sealed class HeuristicInjectionDetector : IInjectionDetector
{
    private const int MinEncodedRun = 24;
    private const int MaxEncodedRuns = 16;

    // A learned probability below this adds nothing: the models speak only when they lean towards injection.
    private const double LearnedFloor = 0.5;

    // Zero-width and word-joiner characters, bidi embeddings/overrides/isolates, and the high surrogate of the tag block (U+E0000-U+E007F).
    private static readonly SearchValues<char> Invisible = SearchValues.Create(
        "\u200B\u200C\u200D\u2060\u2061\u2062\u2063\u2064\uFEFF\u00AD\u180E\u034F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C\uDB40");

    /// <summary>Initializes a new instance of the <see cref="HeuristicInjectionDetector"/> class with the default thresholds.</summary>
    public HeuristicInjectionDetector()
        : this(null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HeuristicInjectionDetector"/> class.</summary>
    /// <param name="thresholds">The thresholds per origin; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">A threshold is not greater than 0 and at most 1.</exception>
    public HeuristicInjectionDetector(InjectionThresholds? thresholds)
    {
        Thresholds = thresholds ?? new InjectionThresholds();
        var errors = new List<string>();
        Thresholds.Validate("thresholds", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(thresholds));
        }
    }

    /// <summary>Gets the thresholds per origin.</summary>
    public InjectionThresholds Thresholds { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is not a defined value.</exception>
    public ValueTask<InjectionVerdict> DetectAsync(string text, ContentOrigin origin, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<InjectionVerdict>(Detect(text, origin));
    }

    /// <summary>Screens <paramref name="text"/> synchronously; the same as <see cref="DetectAsync"/>.</summary>
    /// <param name="text">The text to screen.</param>
    /// <param name="origin">Where the text came from.</param>
    /// <returns>The verdict.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is not a defined value.</exception>
    public InjectionVerdict Detect(string text, ContentOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(text);
        double threshold = Thresholds.For(origin);
        bool indirect = origin != ContentOrigin.UserPrompt;

        var scorer = default(Scorer);
        string visible = HasInvisible(text) ? InspectInvisible(text, ref scorer) : text;
        ReadOnlySpan<char> scanned = ScreeningNormalizer.Normalize(visible, out ScreeningNormalizer.Findings findings, out char[]? rented);
        try
        {
            if ((findings & ScreeningNormalizer.Findings.Decoded) != 0 && !scorer.Fired && scanned.ContainsAny(Invisible))
            {
                scanned = InspectInvisible(scanned.ToString(), ref scorer);
            }

            if ((findings & ScreeningNormalizer.Findings.MixedScript) != 0)
            {
                scorer.Add(Source.MixedScript, 0.3);
            }

            MatchPhrasing(scanned, indirect, ref scorer);
            FindEncodedPayloads(scanned, indirect, ref scorer);
            ScoreLearned(scanned, indirect, ref scorer);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }

        if (!scorer.Fired)
        {
            return InjectionVerdict.Clean;
        }

        double score = scorer.Score;
        return new InjectionVerdict(score >= threshold, score, scorer.Names());
    }

    /// <summary>Whether <paramref name="text"/> holds an invisible character: a vectorized search for what is not ASCII, then a look at each such character.</summary>
    private static bool HasInvisible(ReadOnlySpan<char> text)
    {
        int at;
        while ((at = text.IndexOfAnyExceptInRange('\0', '\u007F')) >= 0)
        {
            if (Invisible.Contains(text[at]))
            {
                return true;
            }

            text = text[(at + 1)..];
        }

        return false;
    }

    private static void MatchPhrasing(ReadOnlySpan<char> text, bool indirect, ref Scorer scorer)
    {
        ulong fired = InjectionSignals.Match(text);
        InjectionSignals.Signal[] all = InjectionSignals.All;
        for (int i = 0; fired != 0; i++, fired >>= 1)
        {
            if ((fired & 1) != 0)
            {
                InjectionSignals.Signal signal = all[i];
                scorer.AddPhrasing(i, indirect ? signal.IndirectWeight : signal.UserPromptWeight);
            }
        }
    }

    /// <summary>Adds the learned models' verdicts: the whole text as a prompt, and for indirect content each line or sentence as an instruction.</summary>
    private static void ScoreLearned(ReadOnlySpan<char> text, bool indirect, ref Scorer scorer)
    {
        InjectionModel model = InjectionModel.Default;
        double instruction = 0;
        double prompt = indirect ? model.ScoreBoth(text, out instruction) : model.ScorePrompt(text);
        if (prompt >= LearnedFloor)
        {
            scorer.Add(Source.LearnedPrompt, prompt);
        }

        if (indirect)
        {
            if (instruction >= LearnedFloor)
            {
                scorer.Add(Source.LearnedInstruction, instruction);
            }
        }
    }

    /// <summary>Scores invisible characters and returns the text without them, with any hidden tag text decoded and appended.</summary>
    private static string InspectInvisible(string text, ref Scorer scorer)
    {
        var visible = new StringBuilder(text.Length);
        StringBuilder? hidden = null;
        int insideWord = 0, bidi = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\uDB40' && i + 1 < text.Length && text[i + 1] is >= '\uDC00' and <= '\uDC7F')
            {
                // Tag characters spell hidden ASCII, except in emoji subdivision flags (black flag U+1F3F4 then tags).
                bool inFlag = IsAfterBlackFlag(text, i);
                char ascii = (char)(text[i + 1] - '\uDC00');
                if (!inFlag && ascii is >= ' ' and <= '~')
                {
                    (hidden ??= new StringBuilder()).Append(ascii);
                }

                i++;
                continue;
            }

            switch (c)
            {
                case '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\u2061' or '\u2062' or '\u2063' or '\u2064' or '\uFEFF' or '\u00AD' or '\u180E' or '\u034F':
                    if (i > 0 && i + 1 < text.Length && char.IsAsciiLetter(text[i - 1]) && char.IsAsciiLetter(text[i + 1]))
                    {
                        insideWord++;
                    }

                    continue;
                case >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C':
                    bidi++;
                    continue;
                default:
                    visible.Append(c);
                    break;
            }
        }

        if (hidden is not null)
        {
            scorer.Add(Source.InvisibleTagCharacters, 0.8);
            visible.Append('\n').Append(hidden);
        }

        if (insideWord > 0)
        {
            scorer.Add(Source.InvisibleZeroWidth, 0.4);
        }

        if (bidi > 0)
        {
            scorer.Add(Source.BidiControls, 0.4);
        }

        return visible.ToString();
    }

    private static bool IsAfterBlackFlag(string text, int i)
    {
        int j = i;
        while (j >= 2 && text[j - 2] == '\uDB40' && text[j - 1] is >= '\uDC00' and <= '\uDC7F')
        {
            j -= 2;
        }

        return j >= 2 && text[j - 2] == '\uD83C' && text[j - 1] == '\uDFF4';
    }

    /// <summary>Decodes long base64 runs and scores them when the decoded text carries injection phrasing.</summary>
    private static void FindEncodedPayloads(ReadOnlySpan<char> text, bool indirect, ref Scorer scorer)
    {
        int previous = -1;
        for (int runs = 0; runs < MaxEncodedRuns && NextEncodedRun(text, ref previous, out int start, out int end); runs++)
        {
            int padded = end;
            while (padded < text.Length && padded - end < 2 && text[padded] == '=')
            {
                padded++;
            }

            if (TryDecode(text.Slice(start, padded - start), out string? decoded))
            {
                var inner = default(Scorer);
                MatchPhrasing(decoded, indirect, ref inner);
                if (inner.Fired && inner.Score >= 0.3)
                {
                    scorer.Add(Source.EncodedPayload, Math.Max(0.6, inner.Score));
                }
            }
        }
    }

    /// <summary>
    /// Finds the next maximal run of at least <see cref="MinEncodedRun"/> base64 characters after <paramref name="previous"/>
    /// (a position that holds no base64 character, or -1), and moves <paramref name="previous"/> to the run's end.
    /// </summary>
    /// <remarks>
    /// Looks at <see cref="MinEncodedRun"/> characters at a time from the last character known not to be base64: the last
    /// such character among them (a vectorized search) is where the next look starts, so prose, with a space every few
    /// characters, is crossed a look per stretch; a look without one starts a run.
    /// </remarks>
    internal static bool NextEncodedRun(ReadOnlySpan<char> text, ref int previous, out int start, out int end)
    {
        while (previous + MinEncodedRun < text.Length)
        {
            int notBase64 = text.Slice(previous + 1, MinEncodedRun).LastIndexOfAnyExcept(Base64Chars);
            if (notBase64 >= 0)
            {
                previous += notBase64 + 1;
                continue;
            }

            start = previous + 1;
            int after = text[(start + MinEncodedRun)..].IndexOfAnyExcept(Base64Chars);
            end = after < 0 ? text.Length : start + MinEncodedRun + after;
            previous = end;
            return true;
        }

        start = end = 0;
        return false;
    }

    private static readonly SearchValues<char> Base64Chars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_");

    private static bool TryDecode(ReadOnlySpan<char> run, [NotNullWhen(true)] out string? decoded)
    {
        decoded = null;
        int padded = (run.Length + 3) & ~3;
        if (padded > 64 * 1024)
        {
            return false;
        }

        char[] chars = ArrayPool<char>.Shared.Rent(padded);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(padded);
        try
        {
            int n = 0;
            foreach (char c in run)
            {
                chars[n++] = c switch { '-' => '+', '_' => '/', _ => c };
            }

            while (n < padded)
            {
                chars[n++] = '=';
            }

            if (!Convert.TryFromBase64Chars(chars.AsSpan(0, n), bytes, out int written) || written < 12)
            {
                return false;
            }

            int printable = 0;
            for (int i = 0; i < written; i++)
            {
                if (bytes[i] is >= 0x20 and < 0x7F or (byte)'\n' or (byte)'\r' or (byte)'\t')
                {
                    printable++;
                }
            }

            if (printable < written * 0.9)
            {
                return false;
            }

            decoded = Encoding.ASCII.GetString(bytes, 0, written);
            return true;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Accumulates fired signals: noisy-or of the weights, in the order they fire; which fired, for their names.</summary>
    private struct Scorer
    {
        private double _clean;
        private ulong _phrasing;
        private Source _sources;

        /// <summary>Gets a value indicating whether any signal fired.</summary>
        public readonly bool Fired => _phrasing != 0 || _sources != Source.None;

        public readonly double Score => Fired ? 1 - _clean : 0;

        public void Add(Source source, double weight)
        {
            Start();
            _clean *= 1 - weight;
            _sources |= source;
        }

        /// <summary>Adds the phrasing signal <c>InjectionSignals.All[index]</c>.</summary>
        public void AddPhrasing(int index, double weight)
        {
            Start();
            _clean *= 1 - weight;
            _phrasing |= 1UL << index;
        }

        /// <summary>The names of the signals that fired, once each, in the order they fire.</summary>
        public readonly IReadOnlyList<string> Names() => SignalNames.Of(_phrasing, _sources);

        private void Start()
        {
            if (!Fired)
            {
                _clean = 1;
            }
        }
    }

    /// <summary>The signals besides phrasing, in the order the detector adds them.</summary>
    [Flags]
    private enum Source
    {
        None = 0,
        InvisibleTagCharacters = 1,
        InvisibleZeroWidth = 2,
        BidiControls = 4,
        MixedScript = 8,
        EncodedPayload = 16,
        LearnedPrompt = 32,
        LearnedInstruction = 64,
    }

    /// <summary>
    /// The lists of signal names, shared between verdicts (read-only) for each set of signals that fired, so a
    /// verdict costs no list of its own; a bounded number of sets is kept, later ones get a list each.
    /// </summary>
    private static class SignalNames
    {
        private const int MaxKept = 1024;
        private static readonly ConcurrentDictionary<(ulong Phrasing, Source Sources), IReadOnlyList<string>> Kept = new();

        public static IReadOnlyList<string> Of(ulong phrasing, Source sources)
        {
            if (Kept.TryGetValue((phrasing, sources), out IReadOnlyList<string>? names))
            {
                return names;
            }

            names = Build(phrasing, sources);
            if (Kept.Count < MaxKept)
            {
                Kept.TryAdd((phrasing, sources), names);
            }

            return names;
        }

        private static ReadOnlyCollection<string> Build(ulong phrasing, Source sources)
        {
            var names = new List<string>();
            AddIf(names, sources, Source.InvisibleTagCharacters, InjectionSignals.InvisibleTagCharacters);
            AddIf(names, sources, Source.InvisibleZeroWidth, InjectionSignals.InvisibleZeroWidth);
            AddIf(names, sources, Source.BidiControls, InjectionSignals.BidiControls);
            AddIf(names, sources, Source.MixedScript, InjectionSignals.MixedScript);
            InjectionSignals.Signal[] all = InjectionSignals.All;
            for (int i = 0; phrasing != 0; i++, phrasing >>= 1)
            {
                if ((phrasing & 1) != 0 && !names.Contains(all[i].Name))
                {
                    names.Add(all[i].Name);
                }
            }

            AddIf(names, sources, Source.EncodedPayload, InjectionSignals.EncodedPayload);
            AddIf(names, sources, Source.LearnedPrompt, InjectionSignals.LearnedPrompt);
            AddIf(names, sources, Source.LearnedInstruction, InjectionSignals.LearnedInstruction);
            return names.AsReadOnly();
        }

        private static void AddIf(List<string> names, Source sources, Source source, string name)
        {
            if ((sources & source) != 0)
            {
                names.Add(name);
            }
        }
    }
}
