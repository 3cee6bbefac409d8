using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace Contracts.Ai;

/// <summary>
/// Chooses the <see cref="ITokenCounter"/> for a model: a counter the app registered for the model
/// (or for a model-id prefix), else tiktoken for known OpenAI models, else the default encoding.
/// </summary>
/// <remarks>
/// <c>AddGovernedAi()</c> registers one as a singleton; add counters with
/// <c>IGovernedAiBuilder.AddTokenCounter</c> or <see cref="Register"/>. Safe to use from many threads;
/// registering while calls run affects the calls that start afterwards.
/// </remarks>
public sealed class TokenCounterRegistry
{
    private readonly ConcurrentDictionary<string, ITokenCounter> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();
    private KeyValuePair<string, ITokenCounter>[] _prefixes = [];
    private int _version;

    /// <summary>Initializes a new instance of the <see cref="TokenCounterRegistry"/> class with no registered counters.</summary>
    public TokenCounterRegistry()
    {
    }

    internal TokenCounterRegistry(IEnumerable<TokenCounterRegistration> registrations)
    {
        foreach (TokenCounterRegistration registration in registrations)
        {
            Register(registration.ModelId, registration.Counter);
        }
    }

    /// <summary>Registers the counter of a model, replacing an earlier registration of the same id.</summary>
    /// <param name="modelId">The model id as the chat client reports it (case-insensitive), or a prefix ending in <c>*</c> (such as <c>llama-3*</c>) for every model id that starts with it; the longest matching prefix wins.</param>
    /// <param name="counter">The counter.</param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="modelId"/> or <paramref name="counter"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is empty, white space or only <c>*</c>.</exception>
    public TokenCounterRegistry Register(string modelId, ITokenCounter counter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(counter);
        if (!modelId.EndsWith('*'))
        {
            _exact[modelId] = counter;
            Interlocked.Increment(ref _version);
            return this;
        }

        string prefix = modelId[..^1];
        if (prefix.Length == 0)
        {
            throw new ArgumentException("A model-id prefix must hold at least one character before '*'.", nameof(modelId));
        }

        lock (_gate)
        {
            var prefixes = new List<KeyValuePair<string, ITokenCounter>>(_prefixes.Length + 1);
            foreach (KeyValuePair<string, ITokenCounter> existing in _prefixes)
            {
                if (!string.Equals(existing.Key, prefix, StringComparison.OrdinalIgnoreCase))
                {
                    prefixes.Add(existing);
                }
            }

            prefixes.Add(new(prefix, counter));
            prefixes.Sort(static (a, b) => b.Key.Length.CompareTo(a.Key.Length));
            _prefixes = prefixes.ToArray();
            Interlocked.Increment(ref _version);
        }

        return this;
    }

    /// <summary>Gets a number that changes whenever a counter is registered, so callers may cache what <see cref="GetCounter"/> chose.</summary>
    internal int Version => Volatile.Read(ref _version);

    /// <summary>Returns the counter for a model.</summary>
    /// <param name="modelId">The model id, or <see langword="null"/> when the client reports none.</param>
    /// <param name="defaultEncoding">The tiktoken encoding for models neither registered nor known, or <see langword="null"/> to refuse them.</param>
    /// <returns>The registered counter; else tiktoken's for a known OpenAI model; else the default encoding's.</returns>
    /// <exception cref="TokenCounterNotFoundException">The model is neither registered nor known and <paramref name="defaultEncoding"/> is <see langword="null"/>; the message names the model and how to register a counter.</exception>
    /// <exception cref="ArgumentException"><paramref name="defaultEncoding"/> is not a supported encoding.</exception>
    public ITokenCounter GetCounter(string? modelId, string? defaultEncoding = TiktokenTokenCounter.O200kBase)
    {
        if (modelId is not null)
        {
            if (_exact.TryGetValue(modelId, out ITokenCounter? counter))
            {
                return counter;
            }

            foreach (KeyValuePair<string, ITokenCounter> prefix in _prefixes)
            {
                if (modelId.StartsWith(prefix.Key, StringComparison.OrdinalIgnoreCase))
                {
                    return prefix.Value;
                }
            }

            if (TiktokenTokenCounter.TryGetEncodingForModel(modelId, out string? encoding))
            {
                return TiktokenTokenCounter.ForEncoding(encoding);
            }
        }

        return defaultEncoding is not null
            ? TiktokenTokenCounter.ForEncoding(defaultEncoding)
            : throw new TokenCounterNotFoundException(
                modelId,
                $"No token counter is registered for model '{modelId ?? "(none reported)"}' and it is not a known OpenAI model. " +
                "Register one with AddGovernedAi().AddTokenCounter(modelId, counter) or TokenCounterRegistry.Register(modelId, counter), " +
                "or set TokenBudgetOptions.DefaultEncoding.");
    }
}

/// <summary>A counter registered through dependency injection, read by the registry when it is created.</summary>
internal sealed record TokenCounterRegistration(string ModelId, ITokenCounter Counter);
