using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>The data-protection policy of an app or of one contract: PII handling per direction, injection handling per origin.</summary>
public sealed class DataProtectionPolicy
{
    /// <summary>Gets or sets the PII policy for messages sent to the model.</summary>
    /// <value>Defaults to redacting every entity type with a placeholder.</value>
    public PiiPolicy OutboundPrompt { get; set; } = new();

    /// <summary>Gets or sets the PII policy for tool-call arguments.</summary>
    /// <value>Defaults to allowing everything: tools usually need the real values.</value>
    public PiiPolicy ToolArguments { get; set; } = new() { Action = PiiAction.Allow };

    /// <summary>Gets or sets the PII policy for tool results.</summary>
    /// <value>Defaults to redacting every entity type with a placeholder.</value>
    public PiiPolicy ToolResults { get; set; } = new();

    /// <summary>Gets or sets the PII policy for the model's answers.</summary>
    /// <value>Defaults to allowing everything.</value>
    public PiiPolicy ModelOutput { get; set; } = new() { Action = PiiAction.Allow };

    /// <summary>Gets or sets the PII policy for telemetry and audit text.</summary>
    /// <value>Defaults to redacting every entity type with a placeholder.</value>
    public PiiPolicy Telemetry { get; set; } = new();

    /// <summary>Gets or sets what happens to user prompts that look like injections.</summary>
    /// <value>Defaults to <see cref="InjectionAction.Flag"/>.</value>
    public InjectionAction UserPrompts { get; set; } = InjectionAction.Flag;

    /// <summary>Gets or sets what happens to tool output.</summary>
    /// <value>Defaults to <see cref="InjectionAction.Isolate"/>.</value>
    public InjectionAction ToolOutput { get; set; } = InjectionAction.Isolate;

    /// <summary>Gets or sets what happens to retrieved documents.</summary>
    /// <value>Defaults to <see cref="InjectionAction.Isolate"/>.</value>
    public InjectionAction RetrievedDocuments { get; set; } = InjectionAction.Isolate;

    /// <summary>Gets the PII policy for <paramref name="direction"/>.</summary>
    /// <param name="direction">The direction.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="direction"/> is not a defined value.</exception>
    public PiiPolicy For(DataDirection direction) => direction switch
    {
        DataDirection.OutboundPrompt => OutboundPrompt,
        DataDirection.ToolArguments => ToolArguments,
        DataDirection.ToolResults => ToolResults,
        DataDirection.ModelOutput => ModelOutput,
        DataDirection.Telemetry => Telemetry,
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown data direction."),
    };

    /// <summary>Gets the injection action for <paramref name="origin"/>.</summary>
    /// <param name="origin">The origin.</param>
    /// <returns>The action.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is not a defined value.</exception>
    public InjectionAction For(ContentOrigin origin) => origin switch
    {
        ContentOrigin.UserPrompt => UserPrompts,
        ContentOrigin.ToolOutput => ToolOutput,
        ContentOrigin.RetrievedDocument => RetrievedDocuments,
        _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, "Unknown content origin."),
    };

    internal bool UsesStyle(RedactionStyle style) =>
        OutboundPrompt?.Style == style || ToolArguments?.Style == style || ToolResults?.Style == style ||
        ModelOutput?.Style == style || Telemetry?.Style == style;

    internal void Validate(string path, List<string> errors)
    {
        ValidatePii(OutboundPrompt, $"{path}:{nameof(OutboundPrompt)}", errors);
        ValidatePii(ToolArguments, $"{path}:{nameof(ToolArguments)}", errors);
        ValidatePii(ToolResults, $"{path}:{nameof(ToolResults)}", errors);
        ValidatePii(ModelOutput, $"{path}:{nameof(ModelOutput)}", errors);
        ValidatePii(Telemetry, $"{path}:{nameof(Telemetry)}", errors);
        ValidateAction(UserPrompts, $"{path}:{nameof(UserPrompts)}", errors);
        ValidateAction(ToolOutput, $"{path}:{nameof(ToolOutput)}", errors);
        ValidateAction(RetrievedDocuments, $"{path}:{nameof(RetrievedDocuments)}", errors);
    }

    private static void ValidatePii(PiiPolicy? policy, string path, List<string> errors)
    {
        if (policy is null)
        {
            errors.Add($"{path} must not be null.");
        }
        else
        {
            policy.Validate(path, errors);
        }
    }

    private static void ValidateAction(InjectionAction action, string path, List<string> errors)
    {
        if (!Enum.IsDefined(action))
        {
            errors.Add($"{path} must be Allow, Flag, Block or Isolate, but was {(int)action}.");
        }
    }
}
