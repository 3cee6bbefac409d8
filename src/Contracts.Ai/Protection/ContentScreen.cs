using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// The screening engine shared by <see cref="DataProtectionChatClient"/> and tool governance: PII by
/// policy and direction, injection detection by origin, spotlighting, and the records of what it did
/// (span events, metrics, the call's counts, logs), none of which carry content.
/// </summary>
/// <remarks>
/// A conversation grows by its last messages, so each text is screened once. PII results are remembered
/// by a 128-bit hash (XxHash128) of the text with its direction and policy, injection verdicts by a hash
/// of the text with its origin, spotlighted text by a hash of the text it marks, each in a bounded
/// two-generation cache. Only hashes and outcomes are kept (the redacted or marked text when it changed
/// and is short), never the original text. A remembered outcome has the same effects as a new one:
/// redactions are counted and recorded on every call that sends the redacted copy, and an injection
/// verdict is counted, logged and acted on (flag, isolate, block) on every call that sends the text, wherever
/// it sits in the conversation: re-screening history costs a hash and a lookup. Blocked PII is never remembered,
/// so it is found and blocked again. Hashes are seeded with a secret chosen per screen, so content cannot be
/// crafted to collide with a remembered result.
/// </remarks>
internal sealed partial class ContentScreen : IToolOutputScreen
{
    internal const string OpenMarker = "<<untrusted-data>>";
    internal const string CloseMarker = "<</untrusted-data>>";

    /// <summary>Screening results one cache generation holds; two generations are kept.</summary>
    internal const int CacheGenerationCapacity = 4_096;

    /// <summary>Redacted text longer than this is not remembered, which bounds the memory the cache holds; text that passes unchanged is remembered at any length.</summary>
    internal const int MaxRememberedRedactedLength = 8_192;

    private const long PiiKind = 1L << 40;
    private const long InjectionKind = 2L << 40;
    private const long SpotlightKind = 3L << 40;
    private const long MarkedKind = 4L << 40;
    private const long WindowKind = 5L << 40;

    /// <summary>How many characters on each side of a message boundary are screened together, so an instruction split across messages is seen whole.</summary>
    internal const int BoundaryWindow = 160;

    // A secret per screen: text crafted to collide with a remembered hash would have to guess it.
    private readonly long _seed = BitConverter.ToInt64(Guid.NewGuid().ToByteArray(), 0) & ~(0xFFL << 40);

    private readonly ILogger? _logger;
    private readonly ContentHashCache<PiiOutcome> _piiOutcomes;
    private readonly ContentHashCache<InjectionVerdict> _verdicts;
    private readonly ContentHashCache<string> _spotlights;
    private readonly ContentHashCache<bool> _marked;
    private readonly ScreenedTexts _texts;

    public ContentScreen(PiiRedactor redactor, IInjectionDetector detector, ILogger? logger, int cacheGenerationCapacity = CacheGenerationCapacity)
    {
        Redactor = redactor;
        Detector = detector;
        _logger = logger;
        _piiOutcomes = new ContentHashCache<PiiOutcome>(cacheGenerationCapacity);
        _verdicts = new ContentHashCache<InjectionVerdict>(cacheGenerationCapacity);
        _spotlights = new ContentHashCache<string>(cacheGenerationCapacity);
        _marked = new ContentHashCache<bool>(cacheGenerationCapacity);
        _texts = new ScreenedTexts(cacheGenerationCapacity, Fingerprint);
    }

    /// <summary>Gets how many screening results are remembered (for tests).</summary>
    internal int CachedResults => _piiOutcomes.Count + _verdicts.Count + _spotlights.Count + _marked.Count;

    /// <summary>Gets how many text instances are remembered by reference (for tests).</summary>
    internal int RememberedTexts => _texts.Count;

    public PiiRedactor Redactor { get; }

    public IInjectionDetector Detector { get; }

    public DataProtectionOptions Options => Redactor.Options;

    /// <inheritdoc />
    public async ValueTask<string> ScreenAsync(string toolName, string output, GovernedCall? call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(toolName);
        ArgumentNullException.ThrowIfNull(output);
        DataProtectionPolicy policy = Options.PolicyFor(call?.Record?.ContractId);
        ContentPlace where = ContentPlace.Named("the result of tool", toolName);
        await DetectAsync(output, ContentOrigin.ToolOutput, policy.ToolOutput, where, call, cancellationToken).ConfigureAwait(false);
        string redacted = RedactPii(output, policy.ToolResults, DataDirection.ToolResults, where, call);
        return policy.ToolOutput == InjectionAction.Isolate ? Spotlight(redacted) : redacted;
    }

    /// <summary>Applies a PII policy and records the redactions.</summary>
    public string RedactPii(string text, PiiPolicy policy, DataDirection direction, ContentPlace where, GovernedCall? call) =>
        text.Length == 0 || policy.AllowsEverything ? text : RedactPii(text, Fingerprint(text), null, policy, PolicyFingerprint(policy), direction, where, call);

    /// <summary>Applies a PII policy and records the redactions, for a text the caller found with <see cref="Screened"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="screened">What the screen remembers of <paramref name="text"/>.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="policyFingerprint">The policy's <see cref="PolicyFingerprint"/>, taken once for all the texts of a call.</param>
    /// <param name="direction">Where the text goes.</param>
    /// <param name="where">Names the text for logs and errors.</param>
    /// <param name="call">The governed call the redactions are recorded in, or <see langword="null"/>.</param>
    public string RedactPii(string text, ScreenedText screened, PiiPolicy policy, int policyFingerprint, DataDirection direction, ContentPlace where, GovernedCall? call) =>
        text.Length == 0 || policy.AllowsEverything ? text : RedactPii(text, screened.Fingerprint, screened, policy, policyFingerprint, direction, where, call);

    private string RedactPii(string text, UInt128 fingerprint, ScreenedText? screened, PiiPolicy policy, int policyFingerprint, DataDirection direction, ContentPlace where, GovernedCall? call)
    {
        PiiOutcome? outcome = screened?.Pii;
        if (outcome is null || !outcome.Applies(policy, policyFingerprint, direction))
        {
            UInt128 key = KeyOf(fingerprint, PiiKind | ((long)direction << 32) | (uint)policyFingerprint);
            if (!_piiOutcomes.TryGet(key, out outcome) || !outcome.Applies(policy, policyFingerprint, direction))
            {
                // A blocked value throws here and is never remembered.
                string redacted = Redactor.Apply(text, policy, where, out int found);
                outcome = new PiiOutcome(policy, policyFingerprint, direction, found == 0 ? null : redacted, found);
                if (found > 0 && redacted.Length > MaxRememberedRedactedLength)
                {
                    RecordRedactions(found, direction, where, call);
                    return redacted;
                }

                _piiOutcomes.Store(key, outcome);
            }

            if (screened is not null)
            {
                screened.Pii = outcome;
            }
        }

        // Text that passed unchanged is returned as the caller's own instance.
        RecordRedactions(outcome.Redactions, direction, where, call);
        return outcome.Redacted ?? text;
    }

    private void RecordRedactions(int redactions, DataDirection direction, ContentPlace where, GovernedCall? call)
    {
        if (redactions == 0)
        {
            return;
        }

        call?.Record?.ForScreening().AddRedactions(redactions);
        if (GovernedAiTelemetry.ScreeningDetections.Enabled)
        {
            var tags = default(TagList);
            tags.Add(TelemetryNames.Attributes.ScreeningKind, "pii");
            tags.Add(TelemetryNames.Attributes.ScreeningDirection, DirectionName(direction));
            AddContract(ref tags, call);
            GovernedAiTelemetry.ScreeningDetections.Add(redactions, tags);
        }

        if (_logger is not null)
        {
            LogRedacted(_logger, redactions, where);
        }
    }

    /// <summary>Screens untrusted text for injection under <paramref name="action"/>: records a detection, or throws under Block.</summary>
    public ValueTask<InjectionVerdict?> DetectAsync(string text, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call, CancellationToken cancellationToken) =>
        action == InjectionAction.Allow || text.Length == 0
            ? default
            : DetectAsync(text, Fingerprint(text), null, origin, action, where, call, cancellationToken);

    /// <summary>Screens untrusted text for injection, for a text the caller found with <see cref="Screened"/>.</summary>
    public ValueTask<InjectionVerdict?> DetectAsync(string text, ScreenedText screened, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call, CancellationToken cancellationToken) =>
        action == InjectionAction.Allow || text.Length == 0
            ? default
            : DetectAsync(text, screened.Fingerprint, screened, origin, action, where, call, cancellationToken);

    private ValueTask<InjectionVerdict?> DetectAsync(
        string text, UInt128 fingerprint, ScreenedText? screened, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call, CancellationToken cancellationToken)
    {
        // A text screened before costs a lookup, without an async state machine.
        InjectionVerdict? verdict = screened?.VerdictFor(origin);
        if (verdict is null)
        {
            UInt128 key = KeyOf(fingerprint, InjectionKind | (long)origin);
            if (!_verdicts.TryGet(key, out verdict))
            {
                return DetectNewAsync(text, key, screened, origin, action, where, call, cancellationToken);
            }

            screened?.Remember(origin, verdict);
        }

        return new ValueTask<InjectionVerdict?>(verdict.IsInjection ? Act(verdict, origin, action, where, call) : verdict);
    }

    private async ValueTask<InjectionVerdict?> DetectNewAsync(
        string text, UInt128 key, ScreenedText? screened, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call, CancellationToken cancellationToken)
    {
        InjectionVerdict verdict = await Detector.DetectAsync(text, origin, cancellationToken).ConfigureAwait(false);
        _verdicts.Store(key, verdict);
        screened?.Remember(origin, verdict);
        return verdict.IsInjection ? Act(verdict, origin, action, where, call) : verdict;
    }

    /// <summary>Records a detection, then throws under <see cref="InjectionAction.Block"/>.</summary>
    private InjectionVerdict Act(InjectionVerdict verdict, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call)
    {
        RecordDetection(verdict, origin, action, where, call);
        if (action == InjectionAction.Block)
        {
            throw new UnsafeContentException(
                $"Data protection blocked {where}: it looks like a prompt injection (score {verdict.Score:0.00}; signals: {string.Join(", ", verdict.Signals)}).",
                [],
                verdict.Signals);
        }

        return verdict;
    }

    /// <summary>Wraps untrusted text in data markers (and datamarks it when configured), after neutralising anything in it that looks like a marker.</summary>
    /// <remarks>
    /// Whether text is already spotlighted is never read from the text: only text this screen marked itself is
    /// recognised (<see cref="IsOwnSpotlight"/>), by its hash. Text that merely starts and ends with markers is
    /// screened and marked like any other.
    /// </remarks>
    public string Spotlight(string text)
    {
        if (IsOwnSpotlight(text))
        {
            return text;
        }

        bool datamark = Options.Datamark;
        UInt128 key = Key(text, SpotlightKind | (datamark ? 1L : 0L));
        if (_spotlights.TryGet(key, out string? remembered))
        {
            return remembered;
        }

        string marked = Mark(text, datamark);
        if (marked.Length <= MaxRememberedRedactedLength)
        {
            _spotlights.Store(key, marked);
        }

        _marked.Store(Key(marked, MarkedKind), true);
        return marked;
    }

    /// <summary>Gets whether <paramref name="text"/> is exactly a spotlight this screen produced, so it was screened and redacted already.</summary>
    public bool IsOwnSpotlight(string text) =>
        text.Length >= OpenMarker.Length + CloseMarker.Length &&
        text.StartsWith(OpenMarker, StringComparison.Ordinal) &&
        _marked.TryGet(Key(text, MarkedKind), out _);

    /// <summary>Screens the text around a message boundary: the end of what came before joined with the start of what follows.</summary>
    /// <param name="before">The texts before the boundary, in order; only their last <see cref="BoundaryWindow"/> characters are read.</param>
    /// <param name="beforeFingerprints">The <see cref="Fingerprint"/> of each of <paramref name="before"/>.</param>
    /// <param name="count">How many of <paramref name="before"/> to read.</param>
    /// <param name="after">The text after the boundary; only its first <see cref="BoundaryWindow"/> characters are read.</param>
    /// <param name="afterScreened">What the screen remembers of <paramref name="after"/> (<see cref="Screened"/>).</param>
    /// <param name="origin">The origin of the text after the boundary.</param>
    /// <param name="action">What to do with an injection found.</param>
    /// <param name="where">Names the boundary for logs and errors.</param>
    /// <param name="call">The governed call the detection is recorded in, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the detector.</param>
    /// <returns>The verdict, or <see langword="null"/> when nothing was screened.</returns>
    /// <remarks>
    /// A window seen before costs a lookup: its key combines the fingerprints of the texts it is read from (which
    /// decide it), and it is built, in a stack buffer, only for the detector. The text after the boundary remembers
    /// its last window's key and verdict, so the same boundary sent again is found without a lookup.
    /// </remarks>
    public ValueTask<InjectionVerdict?> DetectAcrossAsync(
        string[] before, UInt128[] beforeFingerprints, int count, string after, ScreenedText afterScreened, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call, CancellationToken cancellationToken)
    {
        if (action == InjectionAction.Allow || count == 0 || after.Length == 0)
        {
            return new ValueTask<InjectionVerdict?>((InjectionVerdict?)null);
        }

        UInt128 key = KeyOf(afterScreened.Fingerprint, WindowKind | (long)origin);
        int first = count - 1;
        for (int read = 0; ; first--)
        {
            key = Combine(key, beforeFingerprints[first]);
            read += before[first].Length;
            if (first == 0 || read >= BoundaryWindow)
            {
                break;
            }
        }

        InjectionVerdict? verdict = afterScreened.Boundary is { } remembered && remembered.Key == key ? remembered.Verdict : null;
        if (verdict is null && _verdicts.TryGet(key, out verdict))
        {
            afterScreened.Boundary = new ScreenedText.BoundaryVerdict(key, verdict);
        }

        if (verdict is not null)
        {
            return verdict.IsInjection ? new ValueTask<InjectionVerdict?>(Act(verdict, origin, action, where, call)) : new ValueTask<InjectionVerdict?>(verdict);
        }

        Span<char> window = stackalloc char[(BoundaryWindow * 2) + 1];
        int start = BoundaryWindow;
        for (int i = count - 1; i >= 0 && start > 0; i--)
        {
            string piece = before[i];
            if (i < count - 1 && start > 0)
            {
                window[--start] = '\n';
            }

            int take = Math.Min(piece.Length, start);
            piece.AsSpan(piece.Length - take).CopyTo(window[(start - take)..]);
            start -= take;
        }

        window[BoundaryWindow] = '\n';
        int tail = Math.Min(after.Length, BoundaryWindow);
        after.AsSpan(0, tail).CopyTo(window[(BoundaryWindow + 1)..]);
        ReadOnlySpan<char> joined = window[start..(BoundaryWindow + 1 + tail)];
        return DetectWindowAsync(joined.ToString(), key, afterScreened, origin, action, where, call, cancellationToken);
    }

    private async ValueTask<InjectionVerdict?> DetectWindowAsync(
        string joined, UInt128 key, ScreenedText afterScreened, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call, CancellationToken cancellationToken)
    {
        InjectionVerdict verdict = await Detector.DetectAsync(joined, origin, cancellationToken).ConfigureAwait(false);
        _verdicts.Store(key, verdict);
        afterScreened.Boundary = new ScreenedText.BoundaryVerdict(key, verdict);
        return verdict.IsInjection ? Act(verdict, origin, action, where, call) : verdict;
    }

    private static string Mark(string text, bool datamark)
    {
        // Anything in the data that reads like a marker must not open or close a data block.
        string body = NeutraliseMarkers(text);
        var builder = new StringBuilder(body.Length + OpenMarker.Length + CloseMarker.Length + 2);
        builder.Append(OpenMarker).Append('\n');
        if (datamark)
        {
            foreach (char c in body)
            {
                builder.Append(char.IsWhiteSpace(c) && c != '\n' ? '\u02C6' : c);
            }
        }
        else
        {
            builder.Append(body);
        }

        return builder.Append('\n').Append(CloseMarker).ToString();
    }

    /// <summary>Replaces every marker look-alike (any case, spacing, slashes, full-width or angle-quote brackets, invisible characters) with <c>[marker removed]</c>.</summary>
    internal static string NeutraliseMarkers(string text)
    {
        if (text.AsSpan().IndexOfAny(MarkerHints) < 0)
        {
            return text;
        }

        return MarkerLookAlike().Replace(text, "[marker removed]");
    }

    // Every look-alike has a bracket of some kind: text without one is left alone without running the expression.
    private static readonly SearchValues<char> MarkerHints = SearchValues.Create("<>\uFF1C\uFF1E\uFE64\uFE65\u2039\u203A\u00AB\u00BB\u27E8\u27E9\u3008\u3009\u2329\u232A");

    // "untrusted" and "data" in any case, in full-width or Cyrillic look-alike letters, with invisible characters
    // between letters, any separator between the words, an optional slash, and at least one bracket of any form.
    [GeneratedRegex(@"(?:[<\uFF1C\uFE64\u2039\u00AB\u27E8\u3008\u2329]+[\s\u00AD\u200B-\u200F\u2060\uFEFF]*[/\\\uFF0F\u2044\u2215]?[\s\u00AD\u200B-\u200F\u2060\uFEFF]*[uU\uFF55\uFF35][\u00AD\u200B-\u200F\u2060\uFEFF]*[nN\uFF4E\uFF2E][\u00AD\u200B-\u200F\u2060\uFEFF]*[tT\uFF54\uFF34][\u00AD\u200B-\u200F\u2060\uFEFF]*[rR\uFF52\uFF32][\u00AD\u200B-\u200F\u2060\uFEFF]*[uU\uFF55\uFF35][\u00AD\u200B-\u200F\u2060\uFEFF]*[sS\uFF53\uFF33\u0455][\u00AD\u200B-\u200F\u2060\uFEFF]*[tT\uFF54\uFF34][\u00AD\u200B-\u200F\u2060\uFEFF]*[eE\uFF45\uFF25\u0435][\u00AD\u200B-\u200F\u2060\uFEFF]*[dD\uFF44\uFF24\u0501][\u00AD\u200B-\u200F\u2060\uFEFF]*[\s\-_.:\u2010-\u2015\u00AD\u200B-\u200F\u2060\uFEFF]*[dD\uFF44\uFF24\u0501][\u00AD\u200B-\u200F\u2060\uFEFF]*[aA\uFF41\uFF21\u0430][\u00AD\u200B-\u200F\u2060\uFEFF]*[tT\uFF54\uFF34][\u00AD\u200B-\u200F\u2060\uFEFF]*[aA\uFF41\uFF21\u0430][\u00AD\u200B-\u200F\u2060\uFEFF]*[\s\u00AD\u200B-\u200F\u2060\uFEFF]*[>\uFF1E\uFE65\u203A\u00BB\u27E9\u3009\u232A]*|[<\uFF1C\uFE64\u2039\u00AB\u27E8\u3008\u2329]*[\s\u00AD\u200B-\u200F\u2060\uFEFF]*[/\\\uFF0F\u2044\u2215]?[\s\u00AD\u200B-\u200F\u2060\uFEFF]*[uU\uFF55\uFF35][\u00AD\u200B-\u200F\u2060\uFEFF]*[nN\uFF4E\uFF2E][\u00AD\u200B-\u200F\u2060\uFEFF]*[tT\uFF54\uFF34][\u00AD\u200B-\u200F\u2060\uFEFF]*[rR\uFF52\uFF32][\u00AD\u200B-\u200F\u2060\uFEFF]*[uU\uFF55\uFF35][\u00AD\u200B-\u200F\u2060\uFEFF]*[sS\uFF53\uFF33\u0455][\u00AD\u200B-\u200F\u2060\uFEFF]*[tT\uFF54\uFF34][\u00AD\u200B-\u200F\u2060\uFEFF]*[eE\uFF45\uFF25\u0435][\u00AD\u200B-\u200F\u2060\uFEFF]*[dD\uFF44\uFF24\u0501][\u00AD\u200B-\u200F\u2060\uFEFF]*[\s\-_.:\u2010-\u2015\u00AD\u200B-\u200F\u2060\uFEFF]*[dD\uFF44\uFF24\u0501][\u00AD\u200B-\u200F\u2060\uFEFF]*[aA\uFF41\uFF21\u0430][\u00AD\u200B-\u200F\u2060\uFEFF]*[tT\uFF54\uFF34][\u00AD\u200B-\u200F\u2060\uFEFF]*[aA\uFF41\uFF21\u0430][\u00AD\u200B-\u200F\u2060\uFEFF]*[\s\u00AD\u200B-\u200F\u2060\uFEFF]*[>\uFF1E\uFE65\u203A\u00BB\u27E9\u3009\u232A]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MarkerLookAlike();

    private void RecordDetection(InjectionVerdict verdict, ContentOrigin origin, InjectionAction action, ContentPlace where, GovernedCall? call)
    {
        call?.Record?.ForScreening().AddDetection();
        string originName = OriginName(origin);
        string actionName = ActionName(action);
        Activity? activity = call?.Record?.Activity ?? Activity.Current;
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(TelemetryNames.Spans.ScreeningDetectionEvent, tags: new ActivityTagsCollection
            {
                [TelemetryNames.Attributes.ScreeningKind] = "injection",
                [TelemetryNames.Attributes.ScreeningOrigin] = originName,
                [TelemetryNames.Attributes.ScreeningAction] = actionName,
                [TelemetryNames.Attributes.ScreeningScore] = Math.Round(verdict.Score, 3),
                [TelemetryNames.Attributes.ScreeningSignals] = string.Join(",", verdict.Signals),
            }));
        }

        if (GovernedAiTelemetry.ScreeningDetections.Enabled)
        {
            var tags = default(TagList);
            tags.Add(TelemetryNames.Attributes.ScreeningKind, "injection");
            tags.Add(TelemetryNames.Attributes.ScreeningOrigin, originName);
            tags.Add(TelemetryNames.Attributes.ScreeningAction, actionName);
            AddContract(ref tags, call);
            GovernedAiTelemetry.ScreeningDetections.Add(1, tags);
        }

        if (_logger is not null)
        {
            LogInjection(_logger, where, originName, verdict.Score, string.Join(",", verdict.Signals), actionName);
        }
    }

    /// <summary>
    /// The hash of a text's UTF-16 code units under this screen's secret seed: every result remembered for the text
    /// is keyed by it, so a caller that screens one text several ways (injection, PII, its message boundary) hashes it once.
    /// </summary>
    public UInt128 Fingerprint(string text) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.AsSpan()), _seed);

    /// <summary>
    /// What this screen remembers of this very text instance (its <see cref="Fingerprint"/> and last results), for a
    /// text that is likely to be sent again: a conversation's messages. Hashes the text only the first time the instance is seen.
    /// </summary>
    public ScreenedText Screened(string text) => _texts.Get(text);

    /// <summary>The key of a text's result of one kind: its fingerprint mixed with what else decides the outcome.</summary>
    private UInt128 Key(string text, long seed) => KeyOf(Fingerprint(text), seed);

    private static UInt128 KeyOf(UInt128 fingerprint, long seed) =>
        fingerprint ^ new UInt128(Mix((ulong)seed), Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL));

    /// <summary>Folds one more fingerprint into a key, order-sensitive.</summary>
    private static UInt128 Combine(UInt128 key, UInt128 fingerprint) =>
        new UInt128(Mix((ulong)(key >> 64) ^ (ulong)fingerprint), Mix((ulong)key + (ulong)(fingerprint >> 64))) ^ fingerprint;

    /// <summary>The SplitMix64 finaliser: every bit of the input affects every bit of the output.</summary>
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    /// <summary>The policy instance and its settings: a policy object changed after use does not reuse its old results.</summary>
    internal static int PolicyFingerprint(PiiPolicy policy)
    {
        int state = 0;
        if (policy.EntityActions is { Count: > 0 } actions)
        {
            // Order-independent, so an equal dictionary enumerated differently gives the same value.
            foreach (KeyValuePair<string, PiiAction> entry in actions)
            {
                state += HashCode.Combine(entry.Key, entry.Value);
            }

            state = HashCode.Combine(state, actions.Count);
        }

        return HashCode.Combine(RuntimeHelpers.GetHashCode(policy), policy.Action, policy.Style, state);
    }

    private static void AddContract(ref TagList tags, GovernedCall? call)
    {
        if (call?.Record?.ContractId is { } id)
        {
            tags.Add(TelemetryNames.Attributes.ContractId, id);
        }

        if (call?.Record?.ContractVersion is { } version)
        {
            tags.Add(TelemetryNames.Attributes.ContractVersion, version);
        }
    }

    internal static string OriginName(ContentOrigin origin) => origin switch
    {
        ContentOrigin.UserPrompt => "user_prompt",
        ContentOrigin.ToolOutput => "tool_output",
        _ => "retrieved_document",
    };

    private static string ActionName(InjectionAction action) => action switch
    {
        InjectionAction.Flag => "flag",
        InjectionAction.Block => "block",
        InjectionAction.Isolate => "isolate",
        _ => "allow",
    };

    private static string DirectionName(DataDirection direction) => direction switch
    {
        DataDirection.OutboundPrompt => "outbound_prompt",
        DataDirection.ToolArguments => "tool_arguments",
        DataDirection.ToolResults => "tool_results",
        DataDirection.ModelOutput => "model_output",
        _ => "telemetry",
    };

    /// <summary>What a PII policy (this instance with these settings, in this direction) did to one text: <see cref="Redacted"/> is <see langword="null"/> when the text passes unchanged.</summary>
    internal sealed record PiiOutcome(PiiPolicy Policy, int PolicyFingerprint, DataDirection Direction, string? Redacted, int Redactions)
    {
        public bool Applies(PiiPolicy policy, int policyFingerprint, DataDirection direction) =>
            ReferenceEquals(Policy, policy) && PolicyFingerprint == policyFingerprint && Direction == direction;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Data protection detected a possible prompt injection in {Where} (origin {Origin}, score {Score}, signals {Signals}); action: {Action}.")]
    private static partial void LogInjection(ILogger logger, ContentPlace where, string origin, double score, string signals, string action);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Data protection redacted {Count} value(s) in {Where}.")]
    private static partial void LogRedacted(ILogger logger, int count, ContentPlace where);
}
