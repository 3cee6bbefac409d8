using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// The screening engine shared by <see cref="DataProtectionChatClient"/> and tool governance: PII by
/// policy and direction, injection detection by origin, spotlighting, and the records of what it did
/// (span events, metrics, the call's counts, logs), none of which carry content.
/// </summary>
internal sealed partial class ContentScreen : IToolOutputScreen
{
    internal const string OpenMarker = "<<untrusted-data>>";
    internal const string CloseMarker = "<</untrusted-data>>";

    private readonly ILogger? _logger;

    public ContentScreen(PiiRedactor redactor, IInjectionDetector detector, ILogger? logger)
    {
        Redactor = redactor;
        Detector = detector;
        _logger = logger;
    }

    public PiiRedactor Redactor { get; }

    public IInjectionDetector Detector { get; }

    public DataProtectionOptions Options => Redactor.Options;

    /// <inheritdoc />
    public async ValueTask<string> ScreenAsync(string toolName, string output, GovernedCall? call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(toolName);
        ArgumentNullException.ThrowIfNull(output);
        DataProtectionPolicy policy = Options.PolicyFor(call?.ContractId);
        string where = $"the result of tool '{toolName}'";
        await DetectAsync(output, ContentOrigin.ToolOutput, policy.ToolOutput, where, call, cancellationToken).ConfigureAwait(false);
        string redacted = RedactPii(output, policy.ToolResults, DataDirection.ToolResults, where, call);
        return policy.ToolOutput == InjectionAction.Isolate ? Spotlight(redacted) : redacted;
    }

    /// <summary>Applies a PII policy and records the redactions.</summary>
    public string RedactPii(string text, PiiPolicy policy, DataDirection direction, string where, GovernedCall? call)
    {
        string result = Redactor.Apply(text, policy, where, out int redactions);
        if (redactions > 0)
        {
            call?.AddRedactions(redactions);
            if (GovernedAiTelemetry.ScreeningDetections.Enabled)
            {
                var tags = default(TagList);
                tags.Add(TelemetryNames.Attributes.ScreeningKind, "pii");
                tags.Add(TelemetryNames.Attributes.ScreeningDirection, DirectionName(direction));
                AddContract(ref tags, call);
                GovernedAiTelemetry.ScreeningDetections.Add(redactions, tags);
            }

            if (_logger is not null)
            {
                LogRedacted(_logger, redactions, where);
            }
        }

        return result;
    }

    /// <summary>Screens untrusted text for injection under <paramref name="action"/>: records a detection, or throws under Block.</summary>
    public async ValueTask<InjectionVerdict?> DetectAsync(string text, ContentOrigin origin, InjectionAction action, string where, GovernedCall? call, CancellationToken cancellationToken)
    {
        if (action == InjectionAction.Allow || text.Length == 0)
        {
            return null;
        }

        InjectionVerdict verdict = await Detector.DetectAsync(text, origin, cancellationToken).ConfigureAwait(false);
        if (!verdict.IsInjection)
        {
            return verdict;
        }

        RecordDetection(verdict, origin, action, where, call);
        if (action == InjectionAction.Block)
        {
            throw new UnsafeContentException(
                $"Data protection blocked {where}: it looks like a prompt injection (score {verdict.Score:0.00}; signals: {string.Join(", ", verdict.Signals)}).",
                [],
                verdict.Signals);
        }

        return verdict;
    }

    /// <summary>Wraps untrusted text in data markers (and datamarks it when configured); text already wrapped is left as it is.</summary>
    public string Spotlight(string text)
    {
        if (IsSpotlighted(text))
        {
            return text;
        }

        // Markers inside the data must not close the data block early.
        string body = text.Contains("untrusted-data>>", StringComparison.Ordinal)
            ? text.Replace(CloseMarker, "[marker removed]", StringComparison.Ordinal).Replace(OpenMarker, "[marker removed]", StringComparison.Ordinal)
            : text;
        var builder = new StringBuilder(body.Length + OpenMarker.Length + CloseMarker.Length + 2);
        builder.Append(OpenMarker).Append('\n');
        if (Options.Datamark)
        {
            foreach (char c in body)
            {
                builder.Append(char.IsWhiteSpace(c) && c != '\n' ? '\u02C6' : c);
            }
        }
        else
        {
            builder.Append(body);
        }

        return builder.Append('\n').Append(CloseMarker).ToString();
    }

    public static bool IsSpotlighted(string text) =>
        text.StartsWith(OpenMarker, StringComparison.Ordinal) && text.EndsWith(CloseMarker, StringComparison.Ordinal);

    private void RecordDetection(InjectionVerdict verdict, ContentOrigin origin, InjectionAction action, string where, GovernedCall? call)
    {
        call?.AddScreeningDetections(1);
        string originName = OriginName(origin);
        string actionName = ActionName(action);
        Activity? activity = call?.Activity ?? Activity.Current;
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(TelemetryNames.Spans.ScreeningDetectionEvent, tags: new ActivityTagsCollection
            {
                [TelemetryNames.Attributes.ScreeningKind] = "injection",
                [TelemetryNames.Attributes.ScreeningOrigin] = originName,
                [TelemetryNames.Attributes.ScreeningAction] = actionName,
                [TelemetryNames.Attributes.ScreeningScore] = Math.Round(verdict.Score, 3),
                [TelemetryNames.Attributes.ScreeningSignals] = string.Join(",", verdict.Signals),
            }));
        }

        if (GovernedAiTelemetry.ScreeningDetections.Enabled)
        {
            var tags = default(TagList);
            tags.Add(TelemetryNames.Attributes.ScreeningKind, "injection");
            tags.Add(TelemetryNames.Attributes.ScreeningOrigin, originName);
            tags.Add(TelemetryNames.Attributes.ScreeningAction, actionName);
            AddContract(ref tags, call);
            GovernedAiTelemetry.ScreeningDetections.Add(1, tags);
        }

        if (_logger is not null)
        {
            LogInjection(_logger, where, originName, verdict.Score, string.Join(",", verdict.Signals), actionName);
        }
    }

    private static void AddContract(ref TagList tags, GovernedCall? call)
    {
        if (call?.ContractId is { } id)
        {
            tags.Add(TelemetryNames.Attributes.ContractId, id);
        }

        if (call?.ContractVersion is { } version)
        {
            tags.Add(TelemetryNames.Attributes.ContractVersion, version);
        }
    }

    internal static string OriginName(ContentOrigin origin) => origin switch
    {
        ContentOrigin.UserPrompt => "user_prompt",
        ContentOrigin.ToolOutput => "tool_output",
        _ => "retrieved_document",
    };

    private static string ActionName(InjectionAction action) => action switch
    {
        InjectionAction.Flag => "flag",
        InjectionAction.Block => "block",
        InjectionAction.Isolate => "isolate",
        _ => "allow",
    };

    private static string DirectionName(DataDirection direction) => direction switch
    {
        DataDirection.OutboundPrompt => "outbound_prompt",
        DataDirection.ToolArguments => "tool_arguments",
        DataDirection.ToolResults => "tool_results",
        DataDirection.ModelOutput => "model_output",
        _ => "telemetry",
    };

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Data protection detected a possible prompt injection in {Where} (origin {Origin}, score {Score}, signals {Signals}); action: {Action}.")]
    private static partial void LogInjection(ILogger logger, string where, string origin, double score, string signals, string action);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Data protection redacted {Count} value(s) in {Where}.")]
    private static partial void LogRedacted(ILogger logger, int count, string where);
}
