using System.Globalization;
using Xunit.Abstractions;

namespace Contracts.Ai.Tests.Routing;

/// <summary>
/// The rollback decision on simulated traffic with seeded random sources: how often it rolls back a candidate that is
/// as good as the baseline (A/A) over long rollouts checked after every outcome, and how many candidate calls it needs
/// to catch one that fails at a known rate. Runs the controller's own decision path (counts, judgement schedule,
/// confidence sequences) with the default options. Numbers are written to the test output and recorded in
/// benchmarks/RESULTS.md.
/// </summary>
public class RollbackDecisionSimulationTests(ITestOutputHelper output)
{
    private const double BaselineRate = 0.05;
    private const int AaRuns = 300;

    [Theory]
    [InlineData(0.01, 0.5, 20_000)]
    [InlineData(0.05, 0.5, 20_000)]
    [InlineData(0.20, 0.5, 20_000)]
    [InlineData(0.50, 0.5, 20_000)]
    [InlineData(0.20, 0.1, 50_000)]
    public void AA_traffic_checked_after_every_outcome_rolls_back_less_often_than_one_minus_the_confidence(double failureRate, double candidateShare, int requests)
    {
        var random = new Random(20261201);
        int rolledBack = 0;
        for (int run = 0; run < AaRuns; run++)
        {
            rolledBack += Simulate(random, candidateShare, failureRate, requests, out _) ? 1 : 0;
        }

        double rate = rolledBack / (double)AaRuns;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A/A p={failureRate}, candidate share {candidateShare:P0}, {requests} requests: {rolledBack} of {AaRuns} runs rolled back ({rate:P2})"));

        // The bound is 1 - Confidence = 1 %; with these seeds no run rolls back at all.
        Assert.Equal(0, rolledBack);
    }

    [Fact]
    public void A_candidate_worse_by_exactly_the_margin_is_rarely_rolled_back()
    {
        // The hardest case the guarantee covers: 10 % against 5 %, a difference equal to the 5-point margin.
        var random = new Random(42);
        int rolledBack = 0;
        for (int run = 0; run < AaRuns; run++)
        {
            rolledBack += Simulate(random, 0.5, BaselineRate, 20_000, out _, candidateRate: BaselineRate + 0.05) ? 1 : 0;
        }

        double rate = rolledBack / (double)AaRuns;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"candidate p=0.10 vs baseline p=0.05 (difference = margin), 20000 requests: {rolledBack} of {AaRuns} runs rolled back ({rate:P2})"));
        Assert.True(rate <= 0.01, $"rolled back in {rate:P2} of runs");
    }

    [Theory]
    [InlineData(0.15, 2000, 5000)]
    [InlineData(0.30, 150, 600)]
    [InlineData(0.60, 40, 100)]
    [InlineData(1.00, 25, 60)]
    public void A_worse_candidate_is_detected_within_a_bounded_delay(double candidateRate, int medianBound, int maxBound)
    {
        const int Runs = 200;
        var random = new Random(7);
        var delays = new List<int>();
        int missed = 0;
        for (int run = 0; run < Runs; run++)
        {
            if (Simulate(random, 0.5, BaselineRate, 20_000, out int delay, candidateRate))
            {
                delays.Add(delay);
            }
            else
            {
                missed++;
            }
        }

        delays.Sort();
        int median = delays[delays.Count / 2];
        int p95 = delays[(int)Math.Ceiling(0.95 * delays.Count) - 1];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"candidate p={candidateRate} vs baseline p={BaselineRate}, 50/50: detected in {Runs - missed} of {Runs} runs; candidate calls to rollback median {median}, p95 {p95}, max {delays[^1]}"));
        Assert.Equal(0, missed);
        Assert.True(median <= medianBound, $"median delay {median}");
        Assert.True(delays[^1] <= maxBound, $"max delay {delays[^1]}");
    }

    [Fact]
    public void The_bounds_match_their_closed_forms_and_contain_the_observed_rate()
    {
        Assert.Equal(Math.Log(24), FailureRateBounds.LogGamma(5), 10);

        // All failures: M(p) = m / p^n with m = B(n + 1/2, 1/2) / B(1/2, 1/2), so the lower bound is (alpha m)^(1 / n).
        double mixture20 = FailureRateBounds.LogBeta(20.5, 0.5) - FailureRateBounds.LogBeta(0.5, 0.5);
        Assert.Equal(Math.Exp((mixture20 + Math.Log(0.005)) / 20), FailureRateBounds.Lower(20, 20, 0.005), 9);

        // No failures: the upper bound mirrors it, and the lower bound is 0.
        double mixture100 = FailureRateBounds.LogBeta(100.5, 0.5) - FailureRateBounds.LogBeta(0.5, 0.5);
        Assert.Equal(1 - Math.Exp((mixture100 + Math.Log(0.005)) / 100), FailureRateBounds.Upper(0, 100, 0.005), 9);
        Assert.Equal(0, FailureRateBounds.Lower(0, 100, 0.005));
        Assert.Equal((0.0, 1.0), (FailureRateBounds.Lower(0, 0, 0.005), FailureRateBounds.Upper(0, 0, 0.005)));

        // The evidence is nothing while the observed rates agree with the hypothesis, and grows with a clear difference.
        Assert.Equal(0, FailureRateBounds.LogEvidence(10, 100, 8, 100, 0.05, worse: true));
        Assert.True(FailureRateBounds.LogEvidence(30, 100, 5, 100, 0.05, worse: true) > Math.Log(10));
        Assert.True(FailureRateBounds.LogEvidence(300, 1000, 50, 1000, 0.05, worse: true) > FailureRateBounds.LogEvidence(30, 100, 5, 100, 0.05, worse: true));
        Assert.True(FailureRateBounds.LogEvidence(30, 1000, 30, 1000, 0.05, worse: false) > Math.Log(20));

        foreach ((long failures, long samples) in new[] { (1L, 3L), (5L, 100L), (50L, 100L), (500L, 10_000L), (99_000L, 100_000L) })
        {
            double observed = failures / (double)samples;
            double lower = FailureRateBounds.Lower(failures, samples, 0.005);
            double upper = FailureRateBounds.Upper(failures, samples, 0.005);
            Assert.InRange(observed, lower, upper);

            // A wider level gives a narrower interval; more samples at the same rate give a narrower one too.
            Assert.True(FailureRateBounds.Lower(failures, samples, 0.05) >= lower);
            Assert.True(FailureRateBounds.Upper(failures * 10, samples * 10, 0.005) - FailureRateBounds.Lower(failures * 10, samples * 10, 0.005) < upper - lower);
        }
    }

    /// <summary>One rollout: requests split by share, outcomes drawn at each version's rate; returns whether the candidate was rolled back, and after how many of its calls.</summary>
    private static bool Simulate(Random random, double candidateShare, double baselineRate, int requests, out int candidateCalls, double? candidateRate = null)
    {
        var options = new PromptRoutingOptions();
        var rollout = new RolloutOptions
        {
            Variants =
            {
                new RolloutVariant { Version = "1.0.0", Weight = 1 - candidateShare },
                new RolloutVariant { Version = "2.0.0", Weight = candidateShare },
            },
        };
        options.Rollouts["sim"] = rollout;
        using var controller = new RolloutController(new InMemoryRolloutStateStore(), options, TimeProvider.System);
        RolloutState state = controller.GetState("sim", rollout);
        candidateCalls = 0;
        for (int i = 0; i < requests; i++)
        {
            bool candidate = random.NextDouble() < candidateShare;
            bool failed = random.NextDouble() < (candidate ? candidateRate ?? baselineRate : baselineRate);
            var outcome = new RolloutOutcome(failed ? RolloutOutcomeKind.Reasked : RolloutOutcomeKind.Ok, 1, null);
            controller.Record(state, candidate ? "2.0.0" : "1.0.0", null, outcome, shadow: false, activity: null);
            if (candidate)
            {
                candidateCalls++;
                if (state.RolledBack.ContainsKey("2.0.0"))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
