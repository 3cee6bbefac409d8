using System;

namespace Contracts.Ai;

/// <summary>
/// Posterior probabilities about failure rates with Beta(1, 1) priors: how likely a candidate's rate exceeds a
/// baseline's (or a fixed rate) by more than a margin. Computed numerically: the regularized incomplete beta
/// function for the candidate, integrated over the baseline's posterior density.
/// </summary>
internal static class FailureRatePosterior
{
    private const int Intervals = 256;
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>P(p_candidate - p_baseline &gt; margin) given each one's failures out of samples.</summary>
    public static double ProbabilityWorse(long candidateFailures, long candidateSamples, long baselineFailures, long baselineSamples, double margin)
    {
        double ac = candidateFailures + 1.0, bc = candidateSamples - candidateFailures + 1.0;
        double ab = baselineFailures + 1.0, bb = baselineSamples - baselineFailures + 1.0;
        double mean = ab / (ab + bb);
        double sd = Math.Sqrt(ab * bb / ((ab + bb) * (ab + bb) * (ab + bb + 1)));
        double lo = Math.Max(0, mean - (12 * sd));
        double hi = Math.Min(1, mean + (12 * sd));
        if (hi <= lo)
        {
            return 1 - RegularizedIncompleteBeta(ac, bc, Math.Min(1, mean + margin));
        }

        double logNorm = LogGamma(ab + bb) - LogGamma(ab) - LogGamma(bb);
        double step = (hi - lo) / Intervals;
        double mass = 0, worse = 0;
        for (int i = 0; i <= Intervals; i++)
        {
            double t = lo + (i * step);
            double weight = i == 0 || i == Intervals ? 1 : (i % 2 == 1 ? 4 : 2);
            double density = Density(ab, bb, logNorm, t);
            if (density == 0)
            {
                continue;
            }

            mass += weight * density;
            double threshold = t + margin;
            if (threshold < 1)
            {
                worse += weight * density * (1 - RegularizedIncompleteBeta(ac, bc, threshold));
            }
        }

        return mass <= 0 ? 0 : Math.Clamp(worse / mass, 0, 1);
    }

    /// <summary>P(p_candidate &gt; rate + margin) given the candidate's failures out of samples.</summary>
    public static double ProbabilityAbove(long failures, long samples, double rate, double margin)
    {
        double threshold = rate + margin;
        return threshold >= 1 ? 0 : 1 - RegularizedIncompleteBeta(failures + 1.0, samples - failures + 1.0, threshold);
    }

    /// <summary>The posterior mean failure rate.</summary>
    public static double Mean(long failures, long samples) => (failures + 1.0) / (samples + 2.0);

    private static double Density(double a, double b, double logNorm, double t)
    {
        if (t <= 0)
        {
            return a == 1 ? Math.Exp(logNorm) : 0;
        }

        if (t >= 1)
        {
            return b == 1 ? Math.Exp(logNorm) : 0;
        }

        return Math.Exp(logNorm + ((a - 1) * Math.Log(t)) + ((b - 1) * Math.Log(1 - t)));
    }

    /// <summary>I_x(a, b), by the continued fraction (Lentz's method).</summary>
    internal static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x)));
        return x < (a + 1) / (a + b + 2)
            ? front * ContinuedFraction(a, b, x) / a
            : 1 - (front * ContinuedFraction(b, a, 1 - x) / b);
    }

    private static double ContinuedFraction(double a, double b, double x)
    {
        const double Tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - (qab * x / qap);
        d = Math.Abs(d) < Tiny ? Tiny : d;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 1000; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-13)
            {
                break;
            }
        }

        return h;
    }

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
