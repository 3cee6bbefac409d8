using System;
using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
#if NET9_0_OR_GREATER
using System.Runtime.InteropServices;
#endif

namespace Contracts.Ai;

/// <summary>What matching a pattern against a text gave.</summary>
internal enum PatternOutcome
{
    Match,
    NoMatch,

    /// <summary>The match ran out of the validation's time budget for patterns.</summary>
    TimedOut,

    /// <summary>The budget was already used up by earlier matches: this one did not run.</summary>
    BudgetExhausted,

    /// <summary>The text holds a lone surrogate (an escape such as <c>\ud800</c>) and is not Unicode text.</summary>
    InvalidText,
}

/// <summary>
/// A schema regular expression (<c>pattern</c>, <c>patternProperties</c>) with ECMA-262 semantics, run under the
/// validation's total time budget for patterns rather than a timeout per match.
/// </summary>
/// <remarks>
/// The expression runs on .NET's non-backtracking engine whenever it allows (no backreferences or lookarounds):
/// its time is linear in the text, so a hostile text cannot make it run away. Otherwise it backtracks with a
/// timeout no longer than what is left of the budget: the budget is split into levels (the whole, half, a
/// quarter, ...), each a regular expression built on first use, and a match uses the largest level that fits
/// what remains. Ten hostile texts therefore cost the budget once, not ten times.
/// </remarks>
internal sealed class SchemaPattern
{
    private const int Levels = 8;
    private const int StackCharLimit = 256;

    private readonly string _translated;
    private readonly RegexOptions _options;
    private readonly long[] _levelMilliseconds;
    private readonly Regex?[] _levels = new Regex?[Levels];

    private SchemaPattern(string source, string translated, RegexOptions options, Regex full, long budgetMilliseconds)
    {
        Source = source;
        _translated = translated;
        _options = options & ~RegexOptions.Compiled;
        _levels[0] = full;
        _levelMilliseconds = new long[Levels];
        for (int i = 0; i < Levels; i++)
        {
            _levelMilliseconds[i] = Math.Max(1, budgetMilliseconds >> i);
        }
    }

    /// <summary>Gets the pattern as the schema wrote it.</summary>
    public string Source { get; }

    /// <summary>Gets a value indicating whether the pattern runs on the non-backtracking (linear-time) engine.</summary>
    public bool IsLinear => (_options & RegexOptions.NonBacktracking) != 0;

    /// <summary>Compiles a pattern.</summary>
    /// <exception cref="ArgumentException">The pattern does not parse; the message says why.</exception>
    public static SchemaPattern Create(string pattern, TimeSpan budget)
    {
        string translated = EcmaPattern.Translate(pattern);
        long budgetMilliseconds = Math.Max(1, (long)Math.Ceiling(budget.TotalMilliseconds));
        TimeSpan timeout = TimeSpan.FromMilliseconds(budgetMilliseconds);
        try
        {
            return new SchemaPattern(pattern, translated, RegexOptions.NonBacktracking, new Regex(translated, RegexOptions.NonBacktracking, timeout), budgetMilliseconds);
        }
        catch (NotSupportedException)
        {
            // Backreferences, lookarounds (also from \b) and the like need the backtracking engine.
        }

        return new SchemaPattern(pattern, translated, RegexOptions.Compiled, new Regex(translated, RegexOptions.Compiled, timeout), budgetMilliseconds);
    }

    /// <summary>
    /// Compiles a pattern for a schema JsonSchema.Net evaluates: as <see cref="Create"/>, or, for a pattern outside what the
    /// ECMA-262 translation takes, as .NET's <see cref="RegexOptions.ECMAScript"/> expression JsonSchema.Net itself would use,
    /// still under the validation's budget.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern parses in neither form.</exception>
    public static SchemaPattern CreateForFallback(string pattern, TimeSpan budget)
    {
        try
        {
            return Create(pattern, budget);
        }
        catch (ArgumentException)
        {
            long budgetMilliseconds = Math.Max(1, (long)Math.Ceiling(budget.TotalMilliseconds));
            var full = new Regex(pattern, RegexOptions.ECMAScript, TimeSpan.FromMilliseconds(budgetMilliseconds));
            return new SchemaPattern(pattern, pattern, RegexOptions.ECMAScript, full, budgetMilliseconds);
        }
    }

    /// <summary>Matches a JSON string value.</summary>
    public PatternOutcome Match(JsonElement text, ValidationState state)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(text);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return MatchUtf8(raw[1..^1], state);
        }
#endif
        return JsonValues.TryGetString(text, out string? value) ? Match(value.AsSpan(), state) : PatternOutcome.InvalidText;
    }

    /// <summary>Matches a property name.</summary>
    public PatternOutcome Match(JsonProperty property, ValidationState state)
    {
#if NET9_0_OR_GREATER
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return MatchUtf8(raw, state);
        }
#endif
        return JsonValues.TryGetName(property, out string? name) ? Match(name.AsSpan(), state) : PatternOutcome.InvalidText;
    }

    /// <summary>Matches a text under the state's budget.</summary>
    public PatternOutcome Match(ReadOnlySpan<char> text, ValidationState state)
    {
        long remaining = state.PatternTimeLeft();
        if (remaining <= 0)
        {
            return PatternOutcome.BudgetExhausted;
        }

        try
        {
            state.CountPatternEvaluation();
            return RegexFor(remaining).IsMatch(text) ? PatternOutcome.Match : PatternOutcome.NoMatch;
        }
        catch (RegexMatchTimeoutException)
        {
            state.SpendPatternBudget();
            return PatternOutcome.TimedOut;
        }
    }

    private PatternOutcome MatchUtf8(ReadOnlySpan<byte> utf8, ValidationState state)
    {
        if (utf8.Length <= StackCharLimit)
        {
            Span<char> buffer = stackalloc char[StackCharLimit];
            int written = Encoding.UTF8.GetChars(utf8, buffer);
            return Match(buffer[..written], state);
        }

        char[] rented = ArrayPool<char>.Shared.Rent(utf8.Length);
        try
        {
            int written = Encoding.UTF8.GetChars(utf8, rented);
            return Match(rented.AsSpan(0, written), state);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private Regex RegexFor(long remainingMilliseconds)
    {
        int level = 0;
        while (level < Levels - 1 && _levelMilliseconds[level] > remainingMilliseconds)
        {
            level++;
        }

        Regex? regex = Volatile.Read(ref _levels[level]);
        if (regex is null)
        {
            // Built once per level on first need; a race builds the same expression twice and keeps one.
            regex = new Regex(_translated, _options, TimeSpan.FromMilliseconds(_levelMilliseconds[level]));
            regex = Interlocked.CompareExchange(ref _levels[level], regex, null) ?? regex;
        }

        return regex;
    }
}
