namespace Contracts.Ai;

/// <summary>What data protection does with content of one origin that may carry a prompt injection.</summary>
public enum InjectionAction
{
    /// <summary>Do not screen.</summary>
    Allow,

    /// <summary>Screen; on detection record a span event, the <c>contracts_ai.screening.detections</c> metric and the audit count, and let the call proceed.</summary>
    Flag,

    /// <summary>Screen; on detection stop the call with an <see cref="UnsafeContentException"/> naming the signals.</summary>
    Block,

    /// <summary>
    /// Screen and flag as <see cref="Flag"/> does, and spotlight every piece of content of this origin:
    /// wrap it in data markers (optionally datamark it) and tell the model in the system prompt that
    /// marked text is data, never instructions. Only meaningful for tool output and retrieved documents.
    /// </summary>
    Isolate,
}
