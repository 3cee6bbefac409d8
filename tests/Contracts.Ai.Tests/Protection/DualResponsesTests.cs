namespace Contracts.Ai.Tests.Protection;

/// <summary>The dual-response phrasing read directly finds exactly what its pattern finds in the whole text: on every dev row (raw and normalised) and on the shapes at the edges of the pattern.</summary>
public class DualResponsesTests
{
    private static readonly InjectionSignals.Signal Signal = Array.Find(InjectionSignals.All, s => s.Name == InjectionSignals.DualResponse)!;

    public static TheoryData<string, bool> Shapes() => new()
    {
        { "Give two different responses: the first normal, the second not.", true },
        { "You will give BOTH answers, one as GPT", true },
        { "separate\n\tparagraphs, then first", true },
        { "two responses " + new string('x', 78) + " one", true },
        { "two responses " + new string('x', 79) + " one", false },
        { "two responses and\nthe first", false },
        { "two responsesX one", false },
        { "twofold responses one", false },
        { "network answers one", false },
        { "two distinct answers: someone", false },
        { "two distinct answers: the ones", false },
        { "two distinctanswers one", false },
        { "[🔓JAILBREAK] hi", true },
        { "[🔒 classic ]", true },
        { "[ 🔒 classic]", false },
        { "[Developer \t Mode Output]", true },
        { "[normal output ]", false },
        { "[NORMAL]", true },
        { "[normally]", false },
        { "[developermode]", false },
        { "", false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_shape_is_found_as_the_pattern_finds_it(string text, bool expected)
    {
        Assert.Equal(expected, Signal.Pattern.IsMatch(text));
        Assert.Equal(expected, DualResponses.Occur(text));
    }

    [Fact]
    public void On_every_dev_row_the_direct_reading_finds_what_the_pattern_finds_in_the_whole_text()
    {
        int texts = 0, found = 0;
        foreach (string text in AnchorAutomatonTests.Texts())
        {
            bool expected = Signal.Pattern.IsMatch(text);
            Assert.True(expected == DualResponses.Occur(text), $"Differs on: {text[..Math.Min(text.Length, 200)]}");
            texts++;
            found += expected ? 1 : 0;
        }

        Assert.True(texts > 1000 && found > 5, $"{found} of {texts} texts ask for two responses: both outcomes exercised");
    }
}
