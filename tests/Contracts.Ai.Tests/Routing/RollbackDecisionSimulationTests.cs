using System.Globalization;
using Xunit.Abstractions;

namespace Contracts.Ai.Tests.Routing;

/// <summary>
/// The rollback decision on simulated traffic with a seeded random source: how often it rolls back a candidate that is
/// as good as the baseline (A/A), and how many candidate calls it needs to catch one that fails at a known rate.
/// Runs the controller's own decision path (counts, judgement schedule, posterior test) with the default options.
/// Numbers are written to the test output and recorded in benchmarks/RESULTS.md.
/// </summary>
public class RollbackDecisionSimulationTests(ITestOutputHelper output)
{
    private const double BaselineRate = 0.05;

    [Theory]
    [InlineData(0.5, 2000, 0.05)]
    [InlineData(0.1, 5000, 0.05)]
    [InlineData(0.5, 20_000, 0.20)]
    public void AA_traffic_is_almost_never_rolled_back(double candidateShare, int requests, double failureRate)
    {
        const int Runs = 400;
        var random = new Random(20261201);
        int rolledBack = 0;
        for (int run = 0; run < Runs; run++)
        {
            rolledBack += Simulate(random, candidateShare, failureRate, requests, out _) ? 1 : 0;
        }

        double rate = rolledBack / (double)Runs;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A/A p={failureRate}, candidate share {candidateShare:P0}, {requests} requests: {rolledBack} of {Runs} runs rolled back ({rate:P2})"));
        Assert.True(rate <= 0.02, $"false rollback rate {rate:P2}");
    }

    [Theory]
    [InlineData(0.15, 400)]
    [InlineData(0.30, 80)]
    [InlineData(0.60, 30)]
    [InlineData(1.00, 20)]
    public void A_worse_candidate_is_detected_within_a_bounded_delay(double candidateRate, int medianBound)
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
    }

    [Fact]
    public void The_posterior_matches_known_values()
    {
        // Beta(2, 3) at 0.5: 11/16.
        Assert.Equal(0.6875, FailureRatePosterior.RegularizedIncompleteBeta(2, 3, 0.5), 10);
        Assert.Equal(Math.Log(24), FailureRatePosterior.LogGamma(5), 10);

        // Equal evidence, no margin: even odds.
        Assert.Equal(0.5, FailureRatePosterior.ProbabilityWorse(10, 200, 10, 200, 0), 2);

        // 20 failures in 20 against 1 in 200 is worse by more than 5 points beyond doubt.
        Assert.True(FailureRatePosterior.ProbabilityWorse(20, 20, 1, 200, 0.05) > 0.999);

        // A large, sharply known baseline still integrates correctly.
        Assert.True(FailureRatePosterior.ProbabilityWorse(30, 100, 5000, 100_000, 0.05) > 0.99);
        Assert.True(FailureRatePosterior.ProbabilityWorse(2, 100, 5000, 100_000, 0.05) < 0.01);
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
