using System;
using System.Globalization;

namespace Contracts.Ai;

/// <summary>The decisions of a rollout, from counts: roll back a candidate worse than the baseline, promote one that is not; both from always-valid bounds (<see cref="FailureRateBounds"/>), so checking after every outcome keeps their error rates.</summary>
internal static class RolloutJudge
{
    /// <summary>Gets why the candidate must be rolled back, or <see langword="null"/> when it need not.</summary>
    /// <param name="candidateFailures">The candidate's failures.</param>
    /// <param name="candidateSamples">The candidate's counted outcomes.</param>
    /// <param name="baselineFailures">The baseline's failures.</param>
    /// <param name="baselineSamples">The baseline's counted outcomes.</param>
    /// <param name="baselineServes">Whether the baseline gets traffic, so its rate will be known.</param>
    /// <param name="options">The rollback options.</param>
    /// <remarks>
    /// Rolls back when the evidence against "the candidate is worse than the baseline by at most the margin" reaches
    /// <c>1 / (1 - Confidence)</c> (<see cref="FailureRateBounds.LogEvidence(long, long, long, long, double, bool)"/>):
    /// a candidate that is not worse by more than the margin is rolled back with probability at most
    /// <c>1 - Confidence</c> over the whole rollout, however often it is checked. Until the baseline has
    /// <see cref="AutoRollbackOptions.MinimumSamples"/> outcomes the candidate waits for it, unless the baseline gets no
    /// traffic: then the candidate's rate is tested against <see cref="AutoRollbackOptions.FailureRateThreshold"/> plus the margin.
    /// </remarks>
    public static string? RollbackReason(long candidateFailures, long candidateSamples, long baselineFailures, long baselineSamples, bool baselineServes, AutoRollbackOptions options)
    {
        if (candidateSamples < options.MinimumSamples)
        {
            return null;
        }

        bool relative = baselineSamples >= options.MinimumSamples;
        if (!relative && baselineServes)
        {
            return null;
        }

        double threshold = -Math.Log(1 - options.Confidence);
        double evidence = relative
            ? FailureRateBounds.LogEvidence(candidateFailures, candidateSamples, baselineFailures, baselineSamples, options.Margin, worse: true)
            : FailureRateBounds.LogEvidence(candidateFailures, candidateSamples, options.FailureRateThreshold + options.Margin, above: true);
        if (evidence < threshold)
        {
            return null;
        }

        double observed = candidateFailures / (double)candidateSamples;
        double baselineObserved = baselineSamples == 0 ? 0 : baselineFailures / (double)baselineSamples;
        double odds = Math.Exp(Math.Min(evidence, 700));
        return relative
            ? string.Create(CultureInfo.InvariantCulture, $"failure rate {observed:P1} ({candidateFailures} of {candidateSamples}) is worse than the baseline's {baselineObserved:P1} ({baselineFailures} of {baselineSamples}) by more than {options.Margin:P1} at {options.Confidence:P1} confidence (evidence {odds:G3} to 1)")
            : string.Create(CultureInfo.InvariantCulture, $"failure rate {observed:P1} ({candidateFailures} of {candidateSamples}) exceeded {options.FailureRateThreshold:P1} + {options.Margin:P1} at {options.Confidence:P1} confidence (evidence {odds:G3} to 1; the baseline gets no traffic)");
    }

    /// <summary>Gets whether the candidate is non-inferior to the baseline, so it can be promoted.</summary>
    /// <remarks>
    /// Non-inferior: the evidence against "the candidate is worse than the baseline by at least the promotion margin"
    /// reaches <c>1 / (1 - Confidence)</c>; so a candidate worse by more than the margin is promoted with probability at
    /// most <c>1 - Confidence</c>. Until the baseline has <see cref="AutoPromoteOptions.MinimumSamples"/> outcomes the
    /// candidate waits for it, unless the baseline gets no traffic: then it is compared with
    /// <see cref="AutoRollbackOptions.FailureRateThreshold"/>.
    /// </remarks>
    public static bool IsNonInferior(long candidateFailures, long candidateSamples, long baselineFailures, long baselineSamples, bool baselineServes, AutoPromoteOptions promote, AutoRollbackOptions rollback, out double evidence)
    {
        evidence = 0;
        bool relative = baselineSamples >= promote.MinimumSamples;
        if (candidateSamples < promote.MinimumSamples || (!relative && baselineServes))
        {
            return false;
        }

        evidence = relative
            ? FailureRateBounds.LogEvidence(candidateFailures, candidateSamples, baselineFailures, baselineSamples, promote.Margin, worse: false)
            : FailureRateBounds.LogEvidence(candidateFailures, candidateSamples, rollback.FailureRateThreshold + promote.Margin, above: false);
        return evidence >= -Math.Log(1 - promote.Confidence);
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
