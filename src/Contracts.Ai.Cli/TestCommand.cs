using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Ai.Cli;

/// <summary>
/// <c>contracts-ai test &lt;dir&gt;</c>: runs every <c>*.scenarios.yaml</c> file of a folder through the
/// governed pipeline on a scripted model, and checks each scenario's contract outcome.
/// </summary>
internal static class TestCommand
{
    public static async Task<int> RunAsync(string directory, string format, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"contracts-ai test: directory '{directory}' does not exist.");
            return ExitCodes.Usage;
        }

        PromptFolder folder = PromptFolder.Load(directory, DateTimeOffset.UtcNow);
        var diagnostics = new List<Diagnostic>();
        foreach (Diagnostic d in folder.Diagnostics)
        {
            if (d.Severity == Diagnostic.Error)
            {
                diagnostics.Add(d);
            }
        }

        var files = new List<ScenarioFile>();
        var paths = new List<string>(Directory.GetFiles(directory, "*.scenarios.yaml", SearchOption.AllDirectories));
        paths.AddRange(Directory.GetFiles(directory, "*.scenarios.yml", SearchOption.AllDirectories));
        paths.Sort(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            if (ScenarioFile.Parse(path, diagnostics) is { } file)
            {
                files.Add(file);
            }
        }

        if (diagnostics.Count > 0)
        {
            error.WriteLine("contracts-ai test: the prompt or scenario files are invalid; nothing was run.");
            DiagnosticWriter.Write(format == "json" ? error : output, format, diagnostics, folder.FileCount);
            return ExitCodes.Failed;
        }

        var results = new List<ScenarioResult>();
        using var outcomes = new OutcomeListener();
        foreach (ScenarioFile file in files)
        {
            foreach (Scenario scenario in file.Scenarios)
            {
                results.Add(await RunScenarioAsync(folder.Files, file, scenario, outcomes, cancellationToken).ConfigureAwait(false));
            }
        }

        Write(output, format, results);
        foreach (ScenarioResult result in results)
        {
            if (!result.Passed)
            {
                return ExitCodes.Failed;
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task<ScenarioResult> RunScenarioAsync(List<PromptFile> prompts, ScenarioFile file, Scenario scenario, OutcomeListener outcomes, CancellationToken cancellationToken)
    {
        var turns = new ScriptedTurn[scenario.Answers.Count];
        for (int i = 0; i < turns.Length; i++)
        {
            ScenarioAnswer answer = scenario.Answers[i];
            turns[i] = answer.Call is null ? ScriptedTurn.Reply(answer.Text!) : ScriptedTurn.CallTool(answer.Call, ToArguments(answer.Arguments));
        }

        var model = new ScriptedChatClient(turns);
        var services = new ServiceCollection();
        IGovernedAiBuilder builder = services.AddGovernedAi(sp => new ChatClientBuilder(model).UseFunctionInvocation().Build(sp));
        foreach (PromptFile prompt in prompts)
        {
            builder.AddContract(prompt.Contract);
            foreach (string label in prompt.Labels)
            {
                builder.SetContractLabel(prompt.Contract.Id, label, prompt.Contract.Version);
            }
        }

        await using ServiceProvider provider = services.BuildServiceProvider();
        PromptContract contract;
        try
        {
            contract = provider.GetRequiredService<IPromptRegistry>().Resolve(file.PromptId, scenario.Version ?? file.Version);
        }
        catch (ContractNotFoundException ex)
        {
            return new ScenarioResult(file, scenario, scenario.Version ?? file.Version ?? "?", false, "error", ex.Message);
        }

        var options = new ChatOptions { Tools = new List<AITool>() }.WithContract(contract.Id, contract.Version, ToInputs(scenario.Inputs));
        foreach ((string name, JsonNode? result) in scenario.Tools)
        {
            options.Tools!.Add(new RecordedTool(name, result));
        }

        IChatClient chat = provider.GetRequiredService<IChatClient>();
        var messages = new List<ChatMessage> { new(ChatRole.User, scenario.Message) };
        outcomes.Reset();
        string actual;
        string detail = string.Empty;
        try
        {
            string text;
            if (scenario.Streaming)
            {
                var streamed = new StringBuilder();
                await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
                {
                    streamed.Append(update.Text);
                }

                text = streamed.ToString();
            }
            else
            {
                text = (await chat.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false)).Text;
            }

            actual = outcomes.Outcome ?? (contract.FallbackResponse is { } fallback && text == fallback ? "fallback" : "passed");
            detail = text;
        }
        catch (ContractViolationException ex)
        {
            actual = "failed";
            detail = string.Join("; ", ex.Violations.Count > 0 ? ex.Violations : [ex.Message]);
        }
        catch (Exception ex) when (ex is GovernedAiException or InvalidOperationException or ArgumentException or JsonException)
        {
            return new ScenarioResult(file, scenario, contract.Version, false, "error", ex.GetType().Name + ": " + ex.Message);
        }

        if (actual != scenario.Expect)
        {
            return new ScenarioResult(file, scenario, contract.Version, false, actual, $"expected {scenario.Expect}, got {actual}" + (detail.Length > 0 ? ": " + detail : "."));
        }

        if (scenario.ExpectViolation is { } expected)
        {
            if (ScenarioFile.ViolationKinds.Contains(expected))
            {
                if (!outcomes.ViolationKinds.Contains(expected))
                {
                    string seen = outcomes.ViolationKinds.Count == 0 ? "none" : string.Join(", ", outcomes.ViolationKinds);
                    return new ScenarioResult(file, scenario, contract.Version, false, actual, $"expected a violation of kind {expected}, got kinds: {seen}" + (detail.Length > 0 ? " (" + detail + ")" : "."));
                }
            }
            else if (!detail.Contains(expected, StringComparison.Ordinal))
            {
                return new ScenarioResult(file, scenario, contract.Version, false, actual, $"expected a violation containing '{expected}', got: {detail}");
            }
        }

        if (model.CallCount < turns.Length)
        {
            return new ScenarioResult(file, scenario, contract.Version, false, actual,
                $"the scenario records {turns.Length} answers but the call used {model.CallCount}: remove the unused ones or check the expected outcome.");
        }

        return new ScenarioResult(file, scenario, contract.Version, true, actual, string.Empty);
    }

    private static Dictionary<string, object?> ToArguments(JsonObject? arguments)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (arguments is not null)
        {
            foreach ((string name, JsonNode? value) in arguments)
            {
                result[name] = ToValue(value);
            }
        }

        return result;
    }

    private static Dictionary<string, object?> ToInputs(Dictionary<string, JsonNode?> inputs)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string name, JsonNode? value) in inputs)
        {
            result[name] = ToValue(value);
        }

        return result;
    }

    private static object? ToValue(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out long l) => l,
        JsonValue v when v.TryGetValue(out double d) => d,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => JsonDocument.Parse(value.ToJsonString()).RootElement.Clone(),
    };

    private static void Write(TextWriter output, string format, List<ScenarioResult> results)
    {
        int failed = 0;
        foreach (ScenarioResult r in results)
        {
            failed += r.Passed ? 0 : 1;
        }

        if (format == "json")
        {
            JsonOutput.Write(output, json =>
            {
                json.WriteStartObject();
                json.WriteNumber("scenarios", results.Count);
                json.WriteNumber("passed", results.Count - failed);
                json.WriteNumber("failed", failed);
                json.WriteStartArray("results");
                foreach (ScenarioResult r in results)
                {
                    json.WriteStartObject();
                    json.WriteString("file", Paths.Display(r.File.Path));
                    json.WriteNumber("line", r.Scenario.Line);
                    json.WriteString("prompt", r.File.PromptId);
                    json.WriteString("version", r.Version);
                    json.WriteString("scenario", r.Scenario.Name);
                    json.WriteString("expected", r.Scenario.Expect);
                    json.WriteString("outcome", r.Outcome);
                    json.WriteBoolean("passed", r.Passed);
                    if (!r.Passed)
                    {
                        json.WriteString("message", r.Detail);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
            return;
        }

        foreach (ScenarioResult r in results)
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"{Paths.Display(r.File.Path)}:{r.Scenario.Line}");
            if (r.Passed)
            {
                output.WriteLine($"PASS {r.File.PromptId} {r.Version} > {r.Scenario.Name}: {r.Outcome}");
            }
            else if (format == "github")
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"::error file={Paths.Display(r.File.Path)},line={r.Scenario.Line},title=contracts-ai scenario::{r.File.PromptId} {r.Version} > {r.Scenario.Name}: {r.Detail.Replace("\n", "%0A", StringComparison.Ordinal)}"));
            }
            else
            {
                output.WriteLine($"FAIL {where}: {r.File.PromptId} {r.Version} > {r.Scenario.Name}: {r.Detail}");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{results.Count} scenario(s): {results.Count - failed} passed, {failed} failed."));
    }

    private sealed record ScenarioResult(ScenarioFile File, Scenario Scenario, string Version, bool Passed, string Outcome, string Detail);

    /// <summary>A tool the scenario offers: returns its recorded result whatever the arguments.</summary>
    private sealed class RecordedTool(string name, JsonNode? result) : AIFunction
    {
        private static readonly JsonElement AnyObject = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();

        public override string Name => name;

        public override string Description => "Recorded tool of a contract scenario.";

        public override JsonElement JsonSchema => AnyObject;

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            new(result is null ? null : JsonDocument.Parse(result.ToJsonString()).RootElement.Clone());
    }

    /// <summary>Reads the contract outcome the governed pipeline records on its request span.</summary>
    private sealed class OutcomeListener : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly MeterListener _meters;
        private readonly HashSet<string> _kinds = new(StringComparer.Ordinal);

        public OutcomeListener()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == GovernedAiTelemetry.SourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.OperationName == TelemetryNames.Spans.Request && activity.GetTagItem(TelemetryNames.Attributes.ValidationOutcome) is string outcome)
                    {
                        Outcome = outcome;
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);

            // Every violation of every attempt (a re-asked one too) is counted with its kind.
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == GovernedAiTelemetry.SourceName && instrument.Name == TelemetryNames.Metrics.ContractViolations)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<long>(OnViolation);
            _meters.Start();
        }

        public string? Outcome { get; private set; }

        /// <summary>Gets the violation kinds counted since the last <see cref="Reset"/>.</summary>
        public List<string> ViolationKinds
        {
            get
            {
                lock (_kinds)
                {
                    var kinds = new List<string>(_kinds);
                    kinds.Sort(StringComparer.Ordinal);
                    return kinds;
                }
            }
        }

        public void Reset()
        {
            Outcome = null;
            lock (_kinds)
            {
                _kinds.Clear();
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            _meters.Dispose();
        }

        private void OnViolation(Instrument instrument, long measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == TelemetryNames.Attributes.ViolationKind && tag.Value is string kind)
                {
                    lock (_kinds)
                    {
                        _kinds.Add(kind);
                    }
                }
            }
        }
    }
}
