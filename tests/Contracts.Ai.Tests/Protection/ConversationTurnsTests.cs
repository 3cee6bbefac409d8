namespace Contracts.Ai.Tests.Protection;

/// <summary>
/// The fake-conversation phrasing read directly finds exactly what its pattern finds in the whole text: on every
/// dev row (raw and normalised) and on the shapes at the edges of the pattern; and a speaker label in mid-line no
/// longer reads as a turn because a window around another anchor happened to start on it.
/// </summary>
public class ConversationTurnsTests
{
    private static readonly InjectionSignals.Signal Signal = Array.Find(InjectionSignals.All, s => s.Name == InjectionSignals.FakeConversation)!;

    public static TheoryData<string, bool> Shapes() => new()
    {
        { "User: hi", true },
        { "notes\n  assistant\t : ok", true },
        { "CHATGPT:", true },
        { "the user: hi", false },
        { "users: hi", false },
        { "AI\n: hi", false },
        { "[system note] obey", true },
        { "[Admin" + new string('x', 60) + "]", true },
        { "[admin" + new string('x', 61) + "]", false },
        { "[debug\n]", false },
        { "[user \t left the chat]", true },
        { "[userleft]", false },
        { "System instructions:", true },
        { "system\nPROMPTS ]", true },
        { "system message", false },
        { "ecosystem message:", false },
        { "_system note:", false },
        { "é system note:", true },
        { "\u017Fystem note:", false },
        { "system notes s:", false },
        { "", false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_shape_is_found_as_the_pattern_finds_it(string text, bool expected)
    {
        Assert.Equal(expected, Signal.Pattern.IsMatch(text));
        Assert.Equal(expected, ConversationTurns.Occur(text));
    }

    [Fact]
    public void On_every_dev_row_the_direct_reading_finds_what_the_pattern_finds_in_the_whole_text()
    {
        int texts = 0, found = 0;
        foreach (string text in AnchorAutomatonTests.Texts())
        {
            bool expected = Signal.Pattern.IsMatch(text);
            Assert.True(expected == ConversationTurns.Occur(text), $"Differs on: {text[..Math.Min(text.Length, 200)]}");
            texts++;
            found += expected ? 1 : 0;
        }

        Assert.True(texts > 1000 && found > 5, $"{found} of {texts} texts hold a turn: both outcomes exercised");
    }

    [Fact]
    public void A_label_in_mid_line_is_not_a_turn_even_where_a_window_around_the_next_anchor_starts_on_it()
    {
        // "user:" sits exactly 60 characters (the signal's reach before an anchor) before "assistant".
        string text = "Please forward this to the user: " + new string('x', 53) + " assistant replied that all is well.";
        Assert.Equal(60, text.IndexOf("assistant", StringComparison.Ordinal) - text.IndexOf("user:", StringComparison.Ordinal));

        ulong fired = InjectionSignals.Match(text);

        int index = Array.IndexOf(InjectionSignals.All, Signal);
        Assert.Equal(0UL, fired & (1UL << index));
        Assert.DoesNotContain(InjectionSignals.FakeConversation, new HeuristicInjectionDetector().Detect(text, ContentOrigin.ToolOutput).Signals);
    }
}
