using System;

namespace Contracts.Ai;

/// <summary>
/// Sequential evidence about failure rates that stays valid under continuous monitoring. For one version with
/// <c>S</c> failures out of <c>n</c>, Robbins' beta-binomial mixture <c>m = B(1/2 + S, 1/2 + n - S) / B(1/2, 1/2)</c> (the probability
/// of the outcomes averaged over a Beta(1/2, 1/2) prior) divided by their probability <c>p^S (1 - p)^(n - S)</c> under a rate
/// <c>p</c> is a non-negative martingale with mean 1 when <c>p</c> is the true rate. For a candidate and a baseline the
/// product of their two ratios is one too (their outcomes are independent), and dividing by the best likelihood a
/// hypothesis allows instead of the true one only makes it smaller: an e-process for the hypothesis.
/// </summary>
/// <remarks>
/// By Ville's inequality, an e-process under a true hypothesis ever reaches <c>1 / alpha</c>, at any of the infinitely
/// many sample sizes, with probability at most <c>alpha</c>; the same holds for the bounds (a confidence sequence). So
/// they can be checked after every outcome, for as long as a rollout runs, without the error growing.
/// </remarks>
internal static class FailureRateBounds
{
    private const int Iterations = 48;
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>
    /// Gets the log of the evidence against "the candidate's rate exceeds the baseline's by at most <paramref name="margin"/>"
    /// (<paramref name="worse"/> true), or against "by at least <paramref name="margin"/>" (<paramref name="worse"/> false).
    /// </summary>
    /// <returns>The log e-value; 0 or below while the observed rates agree with the hypothesis.</returns>
    public static double LogEvidence(long candidateFailures, long candidateSamples, long baselineFailures, long baselineSamples, double margin, bool worse)
    {
        if (candidateSamples <= 0 || baselineSamples <= 0)
        {
            return 0;
        }

        double difference = (candidateFailures / (double)candidateSamples) - (baselineFailures / (double)baselineSamples);
        if (worse ? difference <= margin : difference >= margin)
        {
            return 0;
        }

        // The hypothesis' best likelihood lies on its boundary p(candidate) = p(baseline) + margin, where the log
        // likelihood is concave in p(baseline): find where its slope crosses zero.
        double low = Math.Max(0, -margin), high = Math.Min(1, 1 - margin);
        for (int i = 0; i < Iterations; i++)
        {
            double mid = 0.5 * (low + high);
            if (Slope(candidateFailures, candidateSamples, mid + margin) + Slope(baselineFailures, baselineSamples, mid) > 0)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        double baseline = 0.5 * (low + high);
        return Mixture(candidateFailures, candidateSamples) + Mixture(baselineFailures, baselineSamples)
            - LogLikelihood(candidateFailures, candidateSamples, baseline + margin) - LogLikelihood(baselineFailures, baselineSamples, baseline);
    }

    /// <summary>
    /// Gets the log of the evidence against "the rate is at most <paramref name="rate"/>" (<paramref name="above"/> true),
    /// or against "at least <paramref name="rate"/>" (<paramref name="above"/> false), from one version's outcomes.
    /// </summary>
    public static double LogEvidence(long failures, long samples, double rate, bool above)
    {
        if (samples <= 0)
        {
            return 0;
        }

        double observed = failures / (double)samples;
        return (above ? observed <= rate : observed >= rate) || rate <= 0 || rate >= 1
            ? 0
            : Mixture(failures, samples) - LogLikelihood(failures, samples, rate);
    }

    /// <summary>The lowest rate not excluded at level <paramref name="alpha"/>: below it with probability at most <paramref name="alpha"/>, ever.</summary>
    public static double Lower(long failures, long samples, double alpha)
    {
        if (failures <= 0 || samples <= 0)
        {
            return 0;
        }

        double threshold = -Math.Log(alpha);
        double logMixture = Mixture(failures, samples);
        double low = 0, high = failures / (double)samples;

        // log M(p) falls from +infinity at 0 to at most 0 at the observed rate: the bound is where it crosses log(1 / alpha).
        for (int i = 0; i < Iterations; i++)
        {
            double mid = 0.5 * (low + high);
            if (LogMartingale(logMixture, failures, samples, mid) >= threshold)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>The highest rate not excluded at level <paramref name="alpha"/>: above it with probability at most <paramref name="alpha"/>, ever.</summary>
    public static double Upper(long failures, long samples, double alpha) =>
        samples <= 0 ? 1 : 1 - Lower(samples - failures, samples, alpha);

    /// <summary>The posterior mean failure rate under a Beta(1, 1) prior (the observed rate, pulled toward one half while samples are few).</summary>
    public static double Mean(long failures, long samples) => (failures + 1.0) / (samples + 2.0);

    private static double Mixture(long failures, long samples) => LogBeta(0.5 + failures, 0.5 + samples - failures) - LogBeta(0.5, 0.5);

    private static double LogLikelihood(long failures, long samples, double p) =>
        (failures == 0 ? 0 : failures * Math.Log(p)) + (samples == failures ? 0 : (samples - failures) * Math.Log(1 - p));

    /// <summary>The derivative of the log likelihood in p.</summary>
    private static double Slope(long failures, long samples, double p) =>
        (failures == 0 ? 0 : failures / p) - (samples == failures ? 0 : (samples - failures) / (1 - p));

    /// <summary>ln M(p) for <paramref name="failures"/> out of <paramref name="samples"/>.</summary>
    internal static double LogMartingale(double logMixture, long failures, long samples, double p) =>
        logMixture - (failures * Math.Log(p)) - ((samples - failures) * Math.Log(1 - p));

    /// <summary>ln B(a, b).</summary>
    internal static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        double sum = Lanczos[0];
        double t = x + 7.5;
        for (int i = 1; i < Lanczos.Length; i++)
        {
            sum += Lanczos[i] / (x + i);
        }

        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}
