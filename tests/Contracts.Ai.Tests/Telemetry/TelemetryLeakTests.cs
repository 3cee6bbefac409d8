using System.Diagnostics;
using System.Text.Json;
using Contracts.Ai;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Contracts.Ai.Tests.Telemetry;

/// <summary>Errors reach our spans and logs as kinds and type names; their raw text only with sensitive data on, and then redacted.</summary>
/// <remarks>MEAI's own tool-loop logs (at Trace, arguments included) follow MEAI's rules and are left out here.</remarks>
[Collection(TelemetryCollection.Name)]
public class TelemetryLeakTests
{
    private const string Password = "hunter2-Pa55";
    private const string Email = "jane.doe@example.com";

    private static readonly JsonElement StrictSchema = JsonDocument.Parse("""
        {"type":"object","properties":{"status":{"type":"string"}},"required":["status"],"additionalProperties":false}
        """).RootElement.Clone();

    private static ServiceProvider App(FakeLoggerProvider logs, bool sensitive, params ScriptedTurn[] turns)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddChatClient(new ScriptedChatClient(turns)).UseFunctionInvocation();
        services.AddGovernedAi(o => o.EnableSensitiveData = sensitive)
            .AddContract(new PromptContract { Id = "status", Version = "1.0.0", OutputSchema = StrictSchema });
        return services.BuildServiceProvider();
    }

    private static string Everything(TelemetryCapture capture, FakeLoggerProvider logs) =>
        string.Join("\n", capture.Spans.SelectMany(s => new[] { s.DisplayName, s.StatusDescription ?? string.Empty }
                .Concat(s.TagObjects.Select(t => $"{t.Key}={t.Value}"))
                .Concat(s.Events.SelectMany(e => e.Tags.Select(t => $"{t.Key}={t.Value}")))))
        + "\n" + string.Join("\n", logs.Collector.GetSnapshot().Where(r => r.Category?.StartsWith("Contracts.Ai", StringComparison.Ordinal) == true).Select(r => r.Message + "|" + r.Exception + "|" + string.Join(",", r.StructuredState?.Select(p => p.Value) ?? [])));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tools_exception_message_never_reaches_its_span(bool streaming)
    {
        using var capture = new TelemetryCapture();
        var logs = new FakeLoggerProvider();
        await using ServiceProvider app = App(logs, sensitive: false, ScriptedTurn.CallTool("connect"), ScriptedTurn.Reply("""{"status":"down"}"""));
        AIFunction connect = AIFunctionFactory.Create(new Func<string>(() => throw new InvalidOperationException($"Server=db;User Id=app;Password={Password}")), "connect");

        ChatResponse response = await app.GetRequiredService<IChatClient>().AskAsync("status?", new ChatOptions { Tools = [connect] }.WithContract("status"), streaming);

        Activity tool = capture.Single("contracts_ai.tool connect");
        Assert.Equal(ActivityStatusCode.Error, tool.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, tool.GetTagItem("error.type"));
        Assert.Equal(nameof(InvalidOperationException), tool.StatusDescription);
        Assert.DoesNotContain(Password, Everything(capture, logs));
        Assert.Equal("""{"status":"down"}""", response.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Property_names_the_model_wrote_stay_out_of_the_request_span_and_log_5003(bool streaming)
    {
        using var capture = new TelemetryCapture();
        var logs = new FakeLoggerProvider();
        await using ServiceProvider app = App(logs, sensitive: false, ScriptedTurn.Reply($$"""{"status":"ok","{{Email}}":1}"""));

        ContractViolationException ex = await Assert.ThrowsAsync<ContractViolationException>(
            () => app.GetRequiredService<IChatClient>().AskAsync("status?", new ChatOptions().WithContract("status"), streaming));

        Activity request = capture.Single("contracts_ai.request");
        Assert.Equal(ActivityStatusCode.Error, request.Status);
        Assert.Contains("status", request.StatusDescription);
        Assert.Contains("output_schema", request.StatusDescription);
        FakeLogRecord rejected = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == 5003);
        Assert.Null(rejected.Exception);
        Assert.Contains("output_schema", rejected.Message);
        Assert.DoesNotContain(Email, Everything(capture, logs));
        Assert.Contains(Email, ex.Message); // the caller's own exception still says where
    }

    [Fact]
    public async Task With_sensitive_data_on_the_error_text_is_logged_at_trace_and_redacted()
    {
        using var capture = new TelemetryCapture();
        var logs = new FakeLoggerProvider();
        await using ServiceProvider app = App(logs, sensitive: true, ScriptedTurn.Reply($$"""{"status":"ok","{{Email}}":1}"""));

        await Assert.ThrowsAsync<ContractViolationException>(() => app.GetRequiredService<IChatClient>().GetResponseAsync("status?", new ChatOptions().WithContract("status")));

        FakeLogRecord error = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == 5007);
        Assert.Equal(LogLevel.Trace, error.Level);
        Assert.Contains("[EMAIL", error.Message);
        Assert.DoesNotContain(Email, Everything(capture, logs));
    }

    [Fact]
    public async Task A_tool_violation_reaches_telemetry_as_its_kinds_only()
    {
        using var capture = new TelemetryCapture();
        var logs = new FakeLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddChatClient(new ScriptedChatClient(ScriptedTurn.CallTool("lookup", new Dictionary<string, object?> { [Email] = 1 }))).UseFunctionInvocation();
        services.AddGovernedAi(o => o.Tools.OnRejection = ToolRejectionPolicy.Throw);
        await using ServiceProvider throwing = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<ToolArgumentViolationException>(() => throwing.GetRequiredService<IChatClient>().GetResponseAsync(
            "look up", new ChatOptions { Tools = [AIFunctionFactory.Create((int id) => "x", "lookup")] }));

        Assert.Contains(Email, ex.Message);
        Activity request = Assert.Single(capture.Spans, s => s.DisplayName == "contracts_ai.request");
        Assert.Contains("unknownArgument", request.StatusDescription);
        Assert.DoesNotContain(Email, Everything(capture, logs));
    }
}
