using System.Globalization;

namespace Contracts.Ai;

/// <summary>The decisions of a rollout, from counts: roll back a candidate worse than the baseline, promote one that is not.</summary>
internal static class RolloutJudge
{
    /// <summary>Gets why the candidate must be rolled back, or <see langword="null"/> when it need not.</summary>
    /// <param name="candidateFailures">The candidate's failures.</param>
    /// <param name="candidateSamples">The candidate's counted outcomes.</param>
    /// <param name="baselineFailures">The baseline's failures.</param>
    /// <param name="baselineSamples">The baseline's counted outcomes.</param>
    /// <param name="options">The rollback options.</param>
    /// <param name="probability">The posterior probability that the candidate is worse by more than the margin, when computed.</param>
    public static string? RollbackReason(long candidateFailures, long candidateSamples, long baselineFailures, long baselineSamples, AutoRollbackOptions options, out double probability)
    {
        probability = 0;
        if (candidateSamples < options.MinimumSamples)
        {
            return null;
        }

        bool relative = baselineSamples >= options.MinimumSamples;
        double candidate = FailureRatePosterior.Mean(candidateFailures, candidateSamples);
        double reference = relative ? FailureRatePosterior.Mean(baselineFailures, baselineSamples) : options.FailureRateThreshold;

        // The posterior probability cannot pass a confidence above one half while the posterior means differ by less than the margin.
        if (candidate - reference <= options.Margin)
        {
            return null;
        }

        probability = relative
            ? FailureRatePosterior.ProbabilityWorse(candidateFailures, candidateSamples, baselineFailures, baselineSamples, options.Margin)
            : FailureRatePosterior.ProbabilityAbove(candidateFailures, candidateSamples, options.FailureRateThreshold, options.Margin);
        if (probability <= options.Confidence)
        {
            return null;
        }

        double observed = candidateFailures / (double)candidateSamples;
        double baselineObserved = baselineSamples == 0 ? 0 : baselineFailures / (double)baselineSamples;
        return relative
            ? string.Create(CultureInfo.InvariantCulture, $"failure rate {observed:P1} ({candidateFailures} of {candidateSamples}) is worse than the baseline's {baselineObserved:P1} ({baselineFailures} of {baselineSamples}) by more than {options.Margin:P1} with probability {probability:P2}")
            : string.Create(CultureInfo.InvariantCulture, $"failure rate {observed:P1} ({candidateFailures} of {candidateSamples}) exceeded {options.FailureRateThreshold:P1} + {options.Margin:P1} with probability {probability:P2} (the baseline has served fewer than {options.MinimumSamples} calls)");
    }

    /// <summary>Gets whether the candidate is non-inferior to the baseline, so it can be promoted.</summary>
    public static bool IsNonInferior(long candidateFailures, long candidateSamples, long baselineFailures, long baselineSamples, AutoPromoteOptions promote, AutoRollbackOptions rollback, out double probability)
    {
        probability = 0;
        if (candidateSamples < promote.MinimumSamples)
        {
            return false;
        }

        probability = baselineSamples >= promote.MinimumSamples
            ? 1 - FailureRatePosterior.ProbabilityWorse(candidateFailures, candidateSamples, baselineFailures, baselineSamples, promote.Margin)
            : 1 - FailureRatePosterior.ProbabilityAbove(candidateFailures, candidateSamples, rollback.FailureRateThreshold, promote.Margin);
        return probability > promote.Confidence;
    }

    /// <summary>Gets why the candidate's latency or cost trips a guard, or <see langword="null"/>.</summary>
    public static string? GuardReason(VersionHealth candidate, VersionHealth? baseline, AutoRollbackOptions options)
    {
        if (baseline is null)
        {
            return null;
        }

        if (options.MaxLatencyIncrease is double latencyIncrease)
        {
            (double cp95, int cn) = candidate.P95Latency();
            (double bp95, int bn) = baseline.P95Latency();
            if (cn >= options.MinimumSamples && bn >= options.MinimumSamples && bp95 > 0 && cp95 > bp95 * (1 + latencyIncrease))
            {
                return string.Create(CultureInfo.InvariantCulture, $"p95 latency {cp95:F0} ms is {(cp95 / bp95) - 1:P0} above the baseline's {bp95:F0} ms (limit {latencyIncrease:P0})");
            }
        }

        if (options.MaxTokensIncrease is double tokensIncrease)
        {
            (double ct, int cn) = candidate.MeanTokens();
            (double bt, int bn) = baseline.MeanTokens();
            if (cn >= options.MinimumSamples && bn >= options.MinimumSamples && bt > 0 && ct > bt * (1 + tokensIncrease))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{ct:F0} tokens per call is {(ct / bt) - 1:P0} above the baseline's {bt:F0} (limit {tokensIncrease:P0})");
            }
        }

        return null;
    }
}
