using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// Runs several detectors over the same text, for example <see cref="HeuristicInjectionDetector"/>
/// next to an app's model-based classifier, and combines their verdicts.
/// </summary>
/// <remarks>
/// Without weights the score is the highest score of any detector, and the text is an injection when
/// any detector says so. With weights the score is the weighted mean of the scores, judged against
/// <see cref="Thresholds"/>. Signals are the union of the detectors' signals. The detectors run one
/// after the other; safe to use concurrently when the detectors are.
/// </remarks>
public sealed class CompositeInjectionDetector : IInjectionDetector
{
    private readonly IInjectionDetector[] _detectors;
    private readonly double[]? _weights;

    /// <summary>Initializes a new instance of the <see cref="CompositeInjectionDetector"/> class that takes the highest score.</summary>
    /// <param name="detectors">The detectors to run.</param>
    /// <exception cref="ArgumentNullException"><paramref name="detectors"/> or one of its items is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="detectors"/> is empty.</exception>
    public CompositeInjectionDetector(params IInjectionDetector[] detectors)
    {
        ArgumentNullException.ThrowIfNull(detectors);
        _detectors = Copy(detectors);
        Thresholds = new InjectionThresholds();
    }

    /// <summary>Initializes a new instance of the <see cref="CompositeInjectionDetector"/> class that takes the weighted mean of the scores.</summary>
    /// <param name="detectors">The detectors to run.</param>
    /// <param name="weights">One positive weight per detector.</param>
    /// <param name="thresholds">The thresholds the weighted score is judged against; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="detectors"/>, one of its items, or <paramref name="weights"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths, or a weight is not positive.</exception>
    public CompositeInjectionDetector(IReadOnlyList<IInjectionDetector> detectors, IReadOnlyList<double> weights, InjectionThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(detectors);
        ArgumentNullException.ThrowIfNull(weights);
        _detectors = Copy(detectors);
        if (weights.Count != _detectors.Length)
        {
            throw new ArgumentException($"Expected one weight per detector ({_detectors.Length}), but got {weights.Count}.", nameof(weights));
        }

        _weights = new double[weights.Count];
        for (int i = 0; i < _weights.Length; i++)
        {
            if (!(weights[i] > 0) || double.IsInfinity(weights[i]))
            {
                throw new ArgumentException($"Weight {i} must be a positive number, but was {weights[i]}.", nameof(weights));
            }

            _weights[i] = weights[i];
        }

        Thresholds = thresholds ?? new InjectionThresholds();
    }

    /// <summary>Gets the thresholds the weighted score is judged against (unused when taking the highest score).</summary>
    public InjectionThresholds Thresholds { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public async ValueTask<InjectionVerdict> DetectAsync(string text, ContentOrigin origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool any = false;
        double max = 0, weighted = 0, totalWeight = 0;
        List<string>? signals = null;
        for (int i = 0; i < _detectors.Length; i++)
        {
            InjectionVerdict verdict = await _detectors[i].DetectAsync(text, origin, cancellationToken).ConfigureAwait(false);
            any |= verdict.IsInjection;
            max = Math.Max(max, verdict.Score);
            double weight = _weights?[i] ?? 1;
            weighted += weight * verdict.Score;
            totalWeight += weight;
            foreach (string signal in verdict.Signals)
            {
                signals ??= [];
                if (!signals.Contains(signal))
                {
                    signals.Add(signal);
                }
            }
        }

        if (_weights is null)
        {
            return signals is null && !any && max == 0 ? InjectionVerdict.Clean : new InjectionVerdict(any, max, (IReadOnlyList<string>?)signals ?? []);
        }

        double score = weighted / totalWeight;
        return new InjectionVerdict(score >= Thresholds.For(origin), score, (IReadOnlyList<string>?)signals ?? []);
    }

    private static IInjectionDetector[] Copy(IReadOnlyList<IInjectionDetector> detectors)
    {
        if (detectors.Count == 0)
        {
            throw new ArgumentException("At least one detector is required.", nameof(detectors));
        }

        var copy = new IInjectionDetector[detectors.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = detectors[i] ?? throw new ArgumentNullException(nameof(detectors), $"Detector {i} is null.");
        }

        return copy;
    }
}
