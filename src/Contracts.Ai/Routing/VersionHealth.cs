using System;

namespace Contracts.Ai;

/// <summary>A version's outcome counts since this instance started, and its latest latencies and token counts.</summary>
/// <remarks>Thread-safe; every operation takes a short lock.</remarks>
internal sealed class VersionHealth
{
    private readonly object _gate = new();
    private readonly double[] _latencies;
    private readonly long[] _tokens;
    private int _nextLatency;
    private int _latencyCount;
    private int _nextTokens;
    private int _tokenCount;
    private long _samples;
    private long _failures;
    private long _firstAnswerFailures;
    private long _fallbacks;
    private long _toolRejections;
    private long _errors;
    private long _providerFailures;
    private long _shadowSamples;
    private long _lastJudged;

    public VersionHealth(int window)
    {
        _latencies = new double[window];
        _tokens = new long[window];
    }

    /// <summary>Adds an outcome; returns the counts after it.</summary>
    public (long Samples, long Failures) Add(in RolloutOutcome outcome, bool shadow)
    {
        lock (_gate)
        {
            switch (outcome.Kind)
            {
                case RolloutOutcomeKind.Reasked:
                    _firstAnswerFailures++;
                    break;
                case RolloutOutcomeKind.Fallback:
                    _firstAnswerFailures++;
                    _fallbacks++;
                    break;
                case RolloutOutcomeKind.ContractFailure:
                    _firstAnswerFailures++;
                    break;
                case RolloutOutcomeKind.ToolRejected:
                    _toolRejections++;
                    break;
                case RolloutOutcomeKind.Error:
                    _errors++;
                    break;
                case RolloutOutcomeKind.ProviderFailure:
                    _providerFailures++;
                    break;
            }

            if (outcome.IsCounted)
            {
                _samples++;
                _shadowSamples += shadow ? 1 : 0;
                _failures += outcome.IsFailure ? 1 : 0;
            }

            if (outcome.HasAnswer)
            {
                _latencies[_nextLatency] = outcome.LatencyMs;
                _nextLatency = (_nextLatency + 1) % _latencies.Length;
                _latencyCount = Math.Min(_latencyCount + 1, _latencies.Length);
                if (outcome.Tokens is long tokens)
                {
                    _tokens[_nextTokens] = tokens;
                    _nextTokens = (_nextTokens + 1) % _tokens.Length;
                    _tokenCount = Math.Min(_tokenCount + 1, _tokens.Length);
                }
            }

            return (_samples, _failures);
        }
    }

    public (long Samples, long Failures) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_samples, _failures);
            }
        }
    }

    /// <summary>Claims a judgement at <paramref name="samples"/> when one is due: at every outcome until 1000, then every 0.5 % more, so a long rollout costs little.</summary>
    /// <remarks>The decision's bounds hold at every sample size at once, so how often it is judged changes only how soon it acts, never its error.</remarks>
    public bool TryClaimJudgement(long samples)
    {
        lock (_gate)
        {
            long step = Math.Max(1, samples / 200);
            if (samples - _lastJudged < step)
            {
                return false;
            }

            _lastJudged = samples;
            return true;
        }
    }

    /// <summary>Gets the 95th-percentile latency and how many latencies it is over.</summary>
    public (double P95, int Count) P95Latency()
    {
        double[] copy;
        lock (_gate)
        {
            if (_latencyCount == 0)
            {
                return (0, 0);
            }

            copy = new double[_latencyCount];
            Array.Copy(_latencies, copy, _latencyCount);
        }

        Array.Sort(copy);
        int index = (int)Math.Ceiling(0.95 * copy.Length) - 1;
        return (copy[Math.Clamp(index, 0, copy.Length - 1)], copy.Length);
    }

    /// <summary>Gets the mean tokens per call and how many calls it is over.</summary>
    public (double Mean, int Count) MeanTokens()
    {
        lock (_gate)
        {
            if (_tokenCount == 0)
            {
                return (0, 0);
            }

            long sum = 0;
            for (int i = 0; i < _tokenCount; i++)
            {
                sum += _tokens[i];
            }

            return (sum / (double)_tokenCount, _tokenCount);
        }
    }

    public RolloutVersionHealth Snapshot(string version, bool isBaseline, double alpha)
    {
        (double p95, int latencies) = P95Latency();
        (double tokens, int tokenCalls) = MeanTokens();
        lock (_gate)
        {
            return new RolloutVersionHealth
            {
                Version = version,
                IsBaseline = isBaseline,
                Samples = _samples,
                Failures = _failures,
                FirstAnswerFailures = _firstAnswerFailures,
                Fallbacks = _fallbacks,
                ToolRejections = _toolRejections,
                Errors = _errors,
                ProviderFailures = _providerFailures,
                ShadowSamples = _shadowSamples,
                FailureRate = FailureRateBounds.Mean(_failures, _samples),
                FailureRateLowerBound = FailureRateBounds.Lower(_failures, _samples, alpha),
                FailureRateUpperBound = FailureRateBounds.Upper(_failures, _samples, alpha),
                P95LatencyMs = latencies == 0 ? null : p95,
                MeanTokens = tokenCalls == 0 ? null : tokens,
            };
        }
    }
}
