using Contracts.Ai;

namespace Contracts.Ai.Tests.Protection;

public class CompositeInjectionDetectorTests
{
    private sealed class FixedDetector(double score, bool isInjection, params string[] signals) : IInjectionDetector
    {
        public int Calls { get; private set; }

        public ValueTask<InjectionVerdict> DetectAsync(string text, ContentOrigin origin, CancellationToken cancellationToken = default)
        {
            Calls++;
            return new(new InjectionVerdict(isInjection, score, signals));
        }
    }

    [Fact]
    public async Task Max_scoring_flags_when_any_detector_flags_and_unions_signals()
    {
        var classifier = new FixedDetector(0.97, true, "onnx_classifier");
        var composite = new CompositeInjectionDetector(new HeuristicInjectionDetector(), classifier);

        InjectionVerdict verdict = await composite.DetectAsync("Summarize this article about gardening.", ContentOrigin.RetrievedDocument);

        Assert.True(verdict.IsInjection);
        Assert.Equal(0.97, verdict.Score);
        Assert.Equal(["onnx_classifier"], verdict.Signals);
        Assert.Equal(1, classifier.Calls);
    }

    [Fact]
    public async Task Weighted_scoring_judges_the_weighted_mean_against_the_thresholds()
    {
        var a = new FixedDetector(0.9, true, "a");
        var b = new FixedDetector(0.1, false, "b");
        var composite = new CompositeInjectionDetector([a, b], [1, 3], new InjectionThresholds { UserPrompt = 0.5 });

        InjectionVerdict verdict = await composite.DetectAsync("text", ContentOrigin.UserPrompt);

        Assert.Equal(0.3, verdict.Score, 6);
        Assert.False(verdict.IsInjection);
        Assert.Equal(["a", "b"], verdict.Signals);
    }

    [Fact]
    public void Bad_configuration_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new CompositeInjectionDetector());
        Assert.Throws<ArgumentNullException>(() => new CompositeInjectionDetector(new HeuristicInjectionDetector(), null!));
        var ex = Assert.Throws<ArgumentException>(() => new CompositeInjectionDetector([new HeuristicInjectionDetector()], [1, 2]));
        Assert.Contains("one weight per detector", ex.Message);
        Assert.Throws<ArgumentException>(() => new CompositeInjectionDetector([new HeuristicInjectionDetector()], [0]));
    }
}
