namespace Contracts.Ai;

/// <summary>What happens when tool governance rejects a tool call or its output.</summary>
public enum ToolRejectionPolicy
{
    /// <summary>
    /// The model receives a structured error as the tool's result (tool name, what was wrong, JSON
    /// paths; never the rejected payload), so it can correct the call or answer without the tool.
    /// </summary>
    ReturnError = 0,

    /// <summary>
    /// The call fails with <see cref="ToolArgumentViolationException"/> or <see cref="ToolOutputViolationException"/>.
    /// Under <see cref="ToolGovernanceChatClient"/> the tool loop is stopped and the exception is
    /// thrown from the chat call; the model never sees the rejected output.
    /// </summary>
    Throw = 1,
}
