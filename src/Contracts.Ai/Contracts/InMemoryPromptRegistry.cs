using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// The built-in <see cref="IPromptRegistry"/>: contract versions and labels held in memory, for one process.
/// </summary>
/// <remarks>
/// <para>
/// Versions are semantic versions ordered by precedence. The label <see cref="PromptLabels.Latest"/>
/// always points at the highest release (or, while only pre-releases exist, the highest pre-release).
/// Any other label, such as <see cref="PromptLabels.Production"/>, is moved with <see cref="SetLabel(string, string, string)"/>;
/// moving it back to an earlier version is the rollback, and <see cref="RollbackLabel(string, string)"/> does that to
/// the version the label pointed at before.
/// </para>
/// <para>
/// Registering freezes the contract. Registering the same definition again is a no-op; registering a
/// different one under an existing id and version is an error. Safe to use from many threads at once:
/// resolving never blocks, changes to one contract id are serialised.
/// </para>
/// </remarks>
public sealed class InMemoryPromptRegistry : IPromptRegistry
{
    private const int ListedContracts = 50;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private bool _holdsDeprecated;

    // The entry resolved last, found again by the very id string: an app names a contract with the same string on every
    // request. Entries are never removed, so a remembered one stays the id's.
    private LastEntry? _last;

    /// <summary>Gets the ids of the registered contracts.</summary>
    public IReadOnlyCollection<string> ContractIds => (IReadOnlyCollection<string>)_entries.Keys;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="contract"/> is <see langword="null"/>.</exception>
    /// <exception cref="ContractDefinitionException">The contract is not valid: its version is not a semantic version, an input or the template is malformed, a declared input is never used by the template, the schema is not valid JSON Schema. The message lists every problem.</exception>
    /// <exception cref="InvalidOperationException">A different contract is already registered under the same id and version, or under a version of the same precedence.</exception>
    public void Register(PromptContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        _ = contract.GetPlan();
        SemanticVersion version = SemanticVersion.Parse(contract.Version);
        if (contract.DeprecatedAfter is not null)
        {
            // Before the contract can be resolved: a request that finds it also finds the flag.
            Volatile.Write(ref _holdsDeprecated, true);
        }

        Entry entry = _entries.GetOrAdd(contract.Id, static _ => new Entry());
        lock (entry.Gate)
        {
            Snapshot current = entry.Current;
            if (current.Contracts.TryGetValue(contract.Version, out PromptContract? existing))
            {
                if (existing.HasSameDefinition(contract))
                {
                    return;
                }

                throw new InvalidOperationException(
                    $"Contract '{contract.Id}' version {contract.Version} is already registered with a different definition. Register the change as a new version.");
            }

            foreach (SemanticVersion registered in current.Ordered)
            {
                if (registered.CompareTo(version) == 0)
                {
                    throw new InvalidOperationException(
                        $"Contract '{contract.Id}' version {contract.Version} has the same precedence as registered version {registered.Text} (they differ only in build metadata).");
                }
            }

            entry.Current = current.With(version, contract);
        }
    }

    /// <summary>Gets a value indicating whether a contract with a deprecation date was ever registered; until then no request moves off a deprecated version.</summary>
    internal bool HoldsDeprecated => Volatile.Read(ref _holdsDeprecated);

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="id"/> is null, empty or white space, or <paramref name="versionOrLabel"/> is empty or white space.</exception>
    public PromptContract Resolve(string id, string? versionOrLabel = null)
    {
        if (TryResolve(id, versionOrLabel, out PromptContract? contract))
        {
            return contract;
        }

        if (!_entries.TryGetValue(id, out Entry? entry))
        {
            throw NotRegistered(id);
        }

        Snapshot snapshot = entry.Current;
        string asked = versionOrLabel ?? PromptLabels.Latest;
        throw new ContractNotFoundException(
            id,
            versionOrLabel,
            $"Contract '{id}' has no version or label '{asked}'. Versions: {string.Join(", ", snapshot.VersionList)}; labels: {DescribeLabels(snapshot)}.");
    }

    /// <summary>Resolves a contract by id and exact version or label, without throwing when it is not there.</summary>
    /// <param name="id">The contract id.</param>
    /// <param name="versionOrLabel">An exact version, a label, or <see langword="null"/> for label <c>production</c> when set, else <c>latest</c>.</param>
    /// <param name="contract">The contract, when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null, empty or white space, or <paramref name="versionOrLabel"/> is empty or white space.</exception>
    public bool TryResolve(string id, string? versionOrLabel, [NotNullWhen(true)] out PromptContract? contract)
    {
        ArgumentNullException.ThrowIfNull(id);

        // A registered id, version or label is never blank (registering and moving labels check them), so the
        // arguments are checked for blanks only when they are not found.
        Entry? entry;
        if (Volatile.Read(ref _last) is { } last && ReferenceEquals(last.Id, id))
        {
            entry = last.Entry;
        }
        else if (_entries.TryGetValue(id, out entry))
        {
            Volatile.Write(ref _last, new LastEntry(id, entry));
        }
        else
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id);
            if (versionOrLabel is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(versionOrLabel);
            }

            contract = null;
            return false;
        }

        // Resolved when the snapshot was made: one lookup, and none for the default.
        Snapshot snapshot = entry.Current;
        if (versionOrLabel is null)
        {
            contract = snapshot.Default;
            return contract is not null;
        }

        if (snapshot.Resolvable.TryGetValue(versionOrLabel, out contract))
        {
            return true;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(versionOrLabel);
        return false;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An argument is null, empty or white space; <paramref name="label"/> is <c>latest</c> (kept by the registry), looks like a version, or has characters other than letters, digits, <c>_</c>, <c>-</c> and <c>.</c>.</exception>
    /// <remarks>When the registry shares its labels (<see cref="IPromptLabelStore"/>, set up by <c>AddGovernedAi()</c>), the move is written to the store in the background; other instances apply it at their next refresh.</remarks>
    public void SetLabel(string id, string label, string version) => SetLabel(id, label, version, changedBy: null, reason: null);

    /// <summary>Points a label at a registered version, recording who moved it and why.</summary>
    /// <param name="id">The contract id.</param>
    /// <param name="label">The label, such as <c>production</c>.</param>
    /// <param name="version">A registered version.</param>
    /// <param name="changedBy">Who makes the move (a user or service name), for the change history; <see langword="null"/> for <c>unknown</c>.</param>
    /// <param name="reason">Why, for the change history; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">An argument is null, empty or white space; <paramref name="label"/> is <c>latest</c>, looks like a version, or has characters other than letters, digits, <c>_</c>, <c>-</c> and <c>.</c>.</exception>
    /// <exception cref="ContractNotFoundException">The contract or version is not registered.</exception>
    /// <exception cref="PromptChangeRefusedException">The app's <see cref="IPromptChangeAuthorizer"/> refused the move; the label did not move.</exception>
    /// <remarks>
    /// With <c>AddGovernedAi()</c>, the move is a <see cref="PromptChangeEvent"/>: asked of the <see cref="IPromptChangeAuthorizer"/>
    /// first, then written to the audit sinks and the fleet's history in the <see cref="IPromptLabelStore"/>.
    /// </remarks>
    public void SetLabel(string id, string label, string version, string? changedBy, string? reason) =>
        MoveLabelAs(PromptChangeKind.LabelMoved, id, label, version, changedBy, reason);

    /// <summary>Moves a label as a change of the given kind: authorized, applied, shared and recorded.</summary>
    internal void MoveLabelAs(PromptChangeKind kind, string id, string label, string version, string? changedBy, string? reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ValidateLabel(label);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        Entry entry = GetEntry(id);
        PromptChangeLog? log = ChangeLog;
        PromptChangeEvent? change = null;
        if (log is not null)
        {
            Snapshot before = entry.Current;
            RequireVersion(before, id, label, version);
            change = log.Create(kind, id, label, before.Labels.TryGetValue(label, out string? from) ? from : null, version, changedBy, reason);
            log.Authorize(change);
        }

        lock (entry.Gate)
        {
            RequireVersion(entry.Current, id, label, version);
            MoveLabel(entry, label, version);
        }

        // Written even when the label already pointed here: the fleet may have moved it meanwhile.
        LabelMoved?.Invoke(id, label, version);
        if (change is not null)
        {
            log!.Record(change);
        }
    }

    /// <summary>Moves a label back to the version it pointed at before its last move.</summary>
    /// <param name="id">The contract id.</param>
    /// <param name="label">The label, such as <c>production</c>.</param>
    /// <returns>The version the label points at now.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or white space, or <paramref name="label"/> is <c>latest</c>.</exception>
    /// <exception cref="ContractNotFoundException">The contract is not registered.</exception>
    /// <exception cref="InvalidOperationException">The label was never moved, so there is nothing to roll back to.</exception>
    /// <exception cref="PromptChangeRefusedException">The app's <see cref="IPromptChangeAuthorizer"/> refused the rollback; the label did not move.</exception>
    /// <remarks>Shared with other instances like <see cref="SetLabel(string, string, string)"/>. The earlier versions are this instance's own history, moves applied from other instances included.</remarks>
    public string RollbackLabel(string id, string label) => RollbackLabel(id, label, changedBy: null, reason: null);

    /// <summary>Moves a label back to the version it pointed at before its last move, recording who did it and why.</summary>
    /// <param name="id">The contract id.</param>
    /// <param name="label">The label, such as <c>production</c>.</param>
    /// <param name="changedBy">Who rolls back, for the change history; <see langword="null"/> for <c>unknown</c>.</param>
    /// <param name="reason">Why, for the change history; <see langword="null"/> for none.</param>
    /// <returns>The version the label points at now.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or white space, or <paramref name="label"/> is <c>latest</c>.</exception>
    /// <exception cref="ContractNotFoundException">The contract is not registered.</exception>
    /// <exception cref="InvalidOperationException">The label was never moved, so there is nothing to roll back to.</exception>
    /// <exception cref="PromptChangeRefusedException">The app's <see cref="IPromptChangeAuthorizer"/> refused the rollback; the label did not move.</exception>
    public string RollbackLabel(string id, string label, string? changedBy, string? reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ValidateLabel(label);
        Entry entry = GetEntry(id);
        PromptChangeLog? log = ChangeLog;
        PromptChangeEvent? change = null;
        string previous;
        lock (entry.Gate)
        {
            previous = entry.PeekHistory(label)
                ?? throw new InvalidOperationException($"Label '{label}' of contract '{id}' has no earlier version to roll back to.");
            if (log is not null)
            {
                change = log.Create(PromptChangeKind.LabelRolledBack, id, label, entry.Current.Labels.TryGetValue(label, out string? from) ? from : null, previous, changedBy, reason);
                log.Authorize(change);
            }

            entry.PopHistory(label);
            entry.Current = entry.Current.WithLabel(label, previous);
        }

        LabelMoved?.Invoke(id, label, previous);
        if (change is not null)
        {
            log!.Record(change);
        }

        return previous;
    }

    /// <summary>Gets a contract's registered versions, lowest precedence first.</summary>
    /// <param name="id">The contract id.</param>
    /// <returns>The versions; empty when the contract is not registered.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null, empty or white space.</exception>
    public IReadOnlyList<string> GetVersions(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return _entries.TryGetValue(id, out Entry? entry) ? entry.Current.VersionList : Array.Empty<string>();
    }

    /// <summary>Gets a contract's labels and the versions they point at, <c>latest</c> included.</summary>
    /// <param name="id">The contract id.</param>
    /// <returns>The labels; empty when the contract is not registered.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null, empty or white space.</exception>
    public IReadOnlyDictionary<string, string> GetLabels(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return _entries.TryGetValue(id, out Entry? entry)
            ? new ReadOnlyDictionary<string, string>(entry.Current.Labels)
            : ReadOnlyDictionary<string, string>.Empty;
    }

    /// <summary>Called after every runtime label move (<see cref="SetLabel(string, string, string)"/>, <see cref="RollbackLabel(string, string)"/>), outside any lock; not for moves applied from the shared store.</summary>
    internal Action<string, string, string>? LabelMoved { get; set; }

    /// <summary>Authorizes and records runtime label moves; set by <c>AddGovernedAi()</c> once the registry is seeded.</summary>
    internal PromptChangeLog? ChangeLog { get; set; }

    /// <summary>Remembers where every label points now: the positions set in code and prompt files, before shared positions apply.</summary>
    internal void CaptureStartPositions()
    {
        foreach (KeyValuePair<string, Entry> pair in _entries)
        {
            lock (pair.Value.Gate)
            {
                pair.Value.StartLabels ??= pair.Value.Current.Labels;
            }
        }
    }

    /// <summary>Gets where a label pointed when <see cref="CaptureStartPositions"/> ran.</summary>
    /// <returns><see langword="false"/> when positions were not captured for the contract; else <see langword="true"/>, with <paramref name="version"/> <see langword="null"/> when the label had no position.</returns>
    internal bool TryGetStartPosition(string id, string label, out string? version)
    {
        version = null;
        if (!_entries.TryGetValue(id, out Entry? entry) || entry.StartLabels is not { } start)
        {
            return false;
        }

        _ = start.TryGetValue(label, out version);
        return true;
    }

    /// <summary>Moves a label to where the shared store says, without writing the move back.</summary>
    internal SharedLabelOutcome ApplySharedLabel(string id, string label, string version)
    {
        if (!IsValidLabel(label) || string.IsNullOrWhiteSpace(version))
        {
            return SharedLabelOutcome.Invalid;
        }

        if (!_entries.TryGetValue(id, out Entry? entry))
        {
            return SharedLabelOutcome.UnknownVersion;
        }

        lock (entry.Gate)
        {
            Snapshot current = entry.Current;
            if (!current.Contracts.ContainsKey(version))
            {
                return SharedLabelOutcome.UnknownVersion;
            }

            return MoveLabel(entry, label, version) ? SharedLabelOutcome.Moved : SharedLabelOutcome.Unchanged;
        }
    }

    /// <summary>Points a label at a registered version, keeping the earlier position for <see cref="RollbackLabel(string, string)"/>; the caller holds the entry's lock.</summary>
    private static bool MoveLabel(Entry entry, string label, string version)
    {
        Snapshot current = entry.Current;
        if (current.Labels.TryGetValue(label, out string? previous))
        {
            if (string.Equals(previous, version, StringComparison.Ordinal))
            {
                return false;
            }

            entry.PushHistory(label, previous);
        }

        entry.Current = current.WithLabel(label, version);
        return true;
    }

    private static bool IsValidLabel(string? label) =>
        !string.IsNullOrWhiteSpace(label) &&
        !string.Equals(label, PromptLabels.Latest, StringComparison.Ordinal) &&
        !SemanticVersion.TryParse(label, out _) &&
        PromptTemplate.IsValidName(label);

    private static void RequireVersion(Snapshot snapshot, string id, string label, string version)
    {
        if (!snapshot.Contracts.ContainsKey(version))
        {
            throw new ContractNotFoundException(
                id,
                version,
                $"Contract '{id}' has no version {version} to point label '{label}' at. Versions: {string.Join(", ", snapshot.VersionList)}.");
        }
    }

    private Entry GetEntry(string id) =>
        _entries.TryGetValue(id, out Entry? entry) ? entry : throw NotRegistered(id);

    /// <summary>The error for an unknown id: it lists the registered ids with their versions (at most <see cref="ListedContracts"/>), and the closest id when one is near.</summary>
    private ContractNotFoundException NotRegistered(string id)
    {
        var ids = new List<string>(_entries.Count);
        foreach (KeyValuePair<string, Entry> pair in _entries)
        {
            if (pair.Value.Current.Ordered.Length != 0)
            {
                ids.Add(pair.Key);
            }
        }

        if (ids.Count == 0)
        {
            return new ContractNotFoundException(
                id,
                null,
                $"No contract '{id}' is registered, and no contract is registered at all: add contracts with AddGovernedAi().AddContract(...), AddPromptsFromDirectory(...) or IPromptRegistry.Register(...).");
        }

        ids.Sort(StringComparer.Ordinal);
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture, $"No contract '{id}' is registered.");
        if (NameSuggestion.Closest(id, ids) is { } closest)
        {
            message.Append(CultureInfo.InvariantCulture, $" Did you mean '{closest}'?");
        }

        message.Append(CultureInfo.InvariantCulture, $" Registered ({ids.Count}): ");
        for (int i = 0; i < ids.Count && i < ListedContracts; i++)
        {
            if (i > 0)
            {
                message.Append("; ");
            }

            message.Append(ids[i]).Append(' ').Append(string.Join(", ", _entries[ids[i]].Current.VersionList));
        }

        if (ids.Count > ListedContracts)
        {
            message.Append(CultureInfo.InvariantCulture, $"; and {ids.Count - ListedContracts} more");
        }

        message.Append('.');
        return new ContractNotFoundException(id, null, message.ToString());
    }

    private static string DescribeLabels(Snapshot snapshot)
    {
        var labels = new List<string>(snapshot.Labels.Count);
        foreach (KeyValuePair<string, string> label in snapshot.Labels)
        {
            labels.Add(label.Key + " -> " + label.Value);
        }

        labels.Sort(StringComparer.Ordinal);
        return string.Join(", ", labels);
    }

    private static void ValidateLabel(string label)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        if (string.Equals(label, PromptLabels.Latest, StringComparison.Ordinal))
        {
            throw new ArgumentException("Label 'latest' is kept on the highest version by the registry and cannot be moved.", nameof(label));
        }

        if (SemanticVersion.TryParse(label, out _))
        {
            throw new ArgumentException($"Label '{label}' looks like a version; labels must not be versions, so that resolving is unambiguous.", nameof(label));
        }

        if (!PromptTemplate.IsValidName(label))
        {
            throw new ArgumentException($"Label '{label}' is not valid: use letters, digits, '_', '-' and '.'.", nameof(label));
        }
    }

    /// <summary>An id string and the entry it was found to name.</summary>
    private sealed class LastEntry(string id, Entry entry)
    {
        public string Id { get; } = id;

        public Entry Entry { get; } = entry;
    }

    private sealed class Entry
    {
        private readonly Dictionary<string, Stack<string>> _history = new(StringComparer.Ordinal);

        public object Gate { get; } = new();

        /// <summary>The label positions when sharing started; <see langword="null"/> for a contract registered after.</summary>
        public Dictionary<string, string>? StartLabels { get; set; }

        public Snapshot Current { get => System.Threading.Volatile.Read(ref _current); set => System.Threading.Volatile.Write(ref _current, value); }

        private Snapshot _current = Snapshot.Empty;

        public void PushHistory(string label, string version)
        {
            if (!_history.TryGetValue(label, out Stack<string>? stack))
            {
                _history[label] = stack = new Stack<string>();
            }

            stack.Push(version);
        }

        public string? PeekHistory(string label) =>
            _history.TryGetValue(label, out Stack<string>? stack) && stack.Count > 0 ? stack.Peek() : null;

        public string? PopHistory(string label) =>
            _history.TryGetValue(label, out Stack<string>? stack) && stack.Count > 0 ? stack.Pop() : null;
    }

    /// <summary>An immutable view of one contract id: replaced whole on every change, so readers never lock.</summary>
    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new(
            new Dictionary<string, PromptContract>(StringComparer.Ordinal),
            Array.Empty<SemanticVersion>(),
            new Dictionary<string, string>(StringComparer.Ordinal));

        private Snapshot(Dictionary<string, PromptContract> contracts, SemanticVersion[] ordered, Dictionary<string, string> labels)
        {
            Contracts = contracts;
            Ordered = ordered;
            Labels = labels;
            var list = new string[ordered.Length];
            for (int i = 0; i < ordered.Length; i++)
            {
                list[i] = ordered[i].Text;
            }

            VersionList = Array.AsReadOnly(list);

            // What every version and label resolves to, versions first: resolving reads this and never the two above.
            var resolvable = new Dictionary<string, PromptContract>(contracts, StringComparer.Ordinal);
            foreach (KeyValuePair<string, string> label in labels)
            {
                if (!contracts.ContainsKey(label.Key) && contracts.TryGetValue(label.Value, out PromptContract? labelled))
                {
                    resolvable[label.Key] = labelled;
                }
            }

            Resolvable = resolvable;
            Default = resolvable.TryGetValue(labels.ContainsKey(PromptLabels.Production) ? PromptLabels.Production : PromptLabels.Latest, out PromptContract? fallback)
                ? fallback
                : null;
        }

        public Dictionary<string, PromptContract> Contracts { get; }

        public SemanticVersion[] Ordered { get; }

        public ReadOnlyCollection<string> VersionList { get; }

        public Dictionary<string, string> Labels { get; }

        /// <summary>Gets the contract each version and label resolves to.</summary>
        public Dictionary<string, PromptContract> Resolvable { get; }

        /// <summary>Gets the contract a request naming no version or label resolves to: label <c>production</c> when set, else <c>latest</c>.</summary>
        public PromptContract? Default { get; }

        public Snapshot With(SemanticVersion version, PromptContract contract)
        {
            var contracts = new Dictionary<string, PromptContract>(Contracts, StringComparer.Ordinal) { [version.Text] = contract };
            var ordered = new SemanticVersion[Ordered.Length + 1];
            int at = 0;
            while (at < Ordered.Length && Ordered[at].CompareTo(version) < 0)
            {
                at++;
            }

            Array.Copy(Ordered, 0, ordered, 0, at);
            ordered[at] = version;
            Array.Copy(Ordered, at, ordered, at + 1, Ordered.Length - at);
            var labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal) { [PromptLabels.Latest] = Latest(ordered).Text };
            return new Snapshot(contracts, ordered, labels);
        }

        public Snapshot WithLabel(string label, string version) =>
            new(Contracts, Ordered, new Dictionary<string, string>(Labels, StringComparer.Ordinal) { [label] = version });

        private static SemanticVersion Latest(SemanticVersion[] ordered)
        {
            for (int i = ordered.Length - 1; i >= 0; i--)
            {
                if (!ordered[i].IsPreRelease)
                {
                    return ordered[i];
                }
            }

            return ordered[^1];
        }
    }
}

/// <summary>What applying a label position from the shared store did.</summary>
internal enum SharedLabelOutcome
{
    /// <summary>The label already pointed there.</summary>
    Unchanged,

    /// <summary>The label moved.</summary>
    Moved,

    /// <summary>This instance has no such version registered; the label stays where it was.</summary>
    UnknownVersion,

    /// <summary>The stored label or version is not one this registry accepts; ignored.</summary>
    Invalid,
}
