using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// What a <see cref="ContentScreen"/> found for each text instance it screened, found again by the instance:
/// a conversation's strings are immutable and apps send the same instances on every turn, so a text screened
/// before costs one reference lookup instead of a content hash and a lookup per result.
/// </summary>
/// <remarks>
/// <para>
/// Entries are held weakly by their text (a <see cref="ConditionalWeakTable{TKey, TValue}"/>), so they die with
/// it, and the table is bounded: once it has taken <c>capacity</c> entries it is dropped whole for a new one, so an
/// app that makes new strings on every request never holds more than that many. Equal text in a new instance
/// is not found here; it is hashed and found by content in the screen's caches, as before.
/// </para>
/// <para>
/// Safe under concurrency: each result an entry remembers is one immutable object written with one reference
/// store, so a reader sees a whole result or none; two calls that screen the same new text at once may both
/// compute it, and either result is right.
/// </para>
/// </remarks>
internal sealed class ScreenedTexts
{
    private readonly int _capacity;
    private readonly Func<string, UInt128> _fingerprint;
    private ConditionalWeakTable<string, ScreenedText> _table = new();
    private int _count;

    /// <summary>Initializes a new instance of the <see cref="ScreenedTexts"/> class.</summary>
    /// <param name="capacity">How many entries the table takes before it is dropped for a new one.</param>
    /// <param name="fingerprint">The screen's seeded hash of a text, taken once per new instance.</param>
    public ScreenedTexts(int capacity, Func<string, UInt128> fingerprint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _fingerprint = fingerprint;
    }

    /// <summary>Gets how many entries the current table has taken (for tests).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets the entry of <paramref name="text"/>, creating it (and hashing the text) the first time this instance is seen.</summary>
    public ScreenedText Get(string text)
    {
        ConditionalWeakTable<string, ScreenedText> table = Volatile.Read(ref _table);
        if (table.TryGetValue(text, out ScreenedText? entry))
        {
            return entry;
        }

        entry = new ScreenedText(text, _fingerprint(text));
        if (Interlocked.Increment(ref _count) > _capacity)
        {
            // Dropped whole: the entries die with the table, and a text met again is hashed again.
            Volatile.Write(ref _table, new ConditionalWeakTable<string, ScreenedText>());
            Volatile.Write(ref _count, 0);
            return entry;
        }

        table.AddOrUpdate(text, entry);
        return entry;
    }
}

/// <summary>What a <see cref="ContentScreen"/> found for one text instance: its fingerprint and its last result of each kind.</summary>
/// <remarks>
/// Each result carries what decided it (origin, policy and direction, the texts around a boundary), and is used only
/// when those match again; otherwise the screen's caches by content decide, and the entry takes their answer.
/// A remembered result has the same effects as a new one (counted, logged, acted on); only the lookup is saved.
/// </remarks>
internal sealed class ScreenedText
{
    private InjectionVerdict? _userPrompt;
    private InjectionVerdict? _toolOutput;
    private InjectionVerdict? _retrievedDocument;

    public ScreenedText(string text, UInt128 fingerprint)
    {
        Text = text;
        Fingerprint = fingerprint;
    }

    /// <summary>Gets the text instance the entry belongs to, so a hint can be checked by reference (the table keeps an entry only while its text lives elsewhere).</summary>
    public string Text { get; }

    /// <summary>Gets the screen's seeded hash of the text, which keys its results by content.</summary>
    public UInt128 Fingerprint { get; }

    /// <summary>Gets or sets the text's last PII outcome, with the policy and direction it was made under.</summary>
    public ContentScreen.PiiOutcome? Pii { get; set; }

    /// <summary>Gets or sets the verdict of the last message boundary screened with this text after it, with the key of the texts before it.</summary>
    public BoundaryVerdict? Boundary { get; set; }

    /// <summary>Gets the text's injection verdict as content of <paramref name="origin"/>, or <see langword="null"/> when not remembered.</summary>
    public InjectionVerdict? VerdictFor(ContentOrigin origin) => origin switch
    {
        ContentOrigin.UserPrompt => _userPrompt,
        ContentOrigin.ToolOutput => _toolOutput,
        _ => _retrievedDocument,
    };

    /// <summary>Remembers the text's injection verdict as content of <paramref name="origin"/>.</summary>
    public void Remember(ContentOrigin origin, InjectionVerdict verdict)
    {
        switch (origin)
        {
            case ContentOrigin.UserPrompt:
                _userPrompt = verdict;
                break;
            case ContentOrigin.ToolOutput:
                _toolOutput = verdict;
                break;
            default:
                _retrievedDocument = verdict;
                break;
        }
    }

    /// <summary>The verdict on a message boundary, and the key (the texts on both sides and the origin) it was found for.</summary>
    internal sealed record BoundaryVerdict(UInt128 Key, InjectionVerdict Verdict);
}
