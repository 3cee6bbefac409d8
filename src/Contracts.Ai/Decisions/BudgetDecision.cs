namespace Contracts.Ai;

/// <summary>
/// What token budgeting (<see cref="TokenBudgetingChatClient"/>) decided over the model calls of one observed call:
/// the prompt's tokens before and after the last pass, and the messages dropped over all passes. Written only by the
/// budgeting stage, read by the request's audit.
/// </summary>
/// <remarks>The model calls of one request run one after another, so plain fields suffice.</remarks>
internal sealed class BudgetDecision
{
    public int TokensBefore { get; private set; }

    public int TokensAfter { get; private set; }

    public int MessagesDropped { get; private set; }

    public void Budgeted(int tokensBefore, int tokensAfter, int messagesDropped)
    {
        TokensBefore = tokensBefore;
        TokensAfter = tokensAfter;
        MessagesDropped += messagesDropped;
    }
}
