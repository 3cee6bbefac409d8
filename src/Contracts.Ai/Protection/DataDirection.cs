namespace Contracts.Ai;

/// <summary>Where text is going when data protection applies a PII policy to it.</summary>
public enum DataDirection
{
    /// <summary>Messages sent to the model: system, user and earlier assistant messages, retrieved documents.</summary>
    OutboundPrompt,

    /// <summary>Arguments of tool calls the model asks for.</summary>
    ToolArguments,

    /// <summary>Results of tool calls, before the model sees them.</summary>
    ToolResults,

    /// <summary>Text the model answers with, before the caller sees it.</summary>
    ModelOutput,

    /// <summary>Text written to telemetry and audit records (only when sensitive data capture is on).</summary>
    Telemetry,
}
