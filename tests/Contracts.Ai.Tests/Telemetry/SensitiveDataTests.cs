using System.Diagnostics;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Contracts.Ai.Tests.Telemetry;

[Collection(TelemetryCollection.Name)]
public class SensitiveDataTests
{
    private const string Email = "jane.doe@example.com";
    private const string Phrase = "PURPLE-ELEPHANT";
    private const string Argument = "ORD-SECRET-777";
    private const string ToolResult = "RESULT-SECRET-999";
    private const string Answer = "ANSWER-SECRET-555";

    private static readonly string[] Secrets = [Email, Phrase, Argument, ToolResult, Answer];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_sensitive_data_off_no_prompt_argument_or_result_appears_in_spans_events_or_logs(bool streaming)
    {
        using var capture = new TelemetryCapture();
        var logs = new FakeLoggerProvider();
        await using ServiceProvider services = BuildApp(logs, sensitive: false);
        IChatClient client = services.GetRequiredService<IChatClient>();

        ChatResponse response = await client.AskAsync(streaming, Prompt, ToolOptions());
        await FlushAuditAsync(services);

        Assert.Contains(Answer, response.Text, StringComparison.Ordinal);
        Assert.Contains(capture.Spans, s => s.DisplayName == "contracts_ai.request");
        Assert.Contains(capture.Spans, s => s.DisplayName == "execute_tool lookup_order");
        foreach (string text in SpanTexts(capture.Spans))
        {
            foreach (string secret in Secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }

        IReadOnlyList<FakeLogRecord> ours = logs.Collector.GetSnapshot().Where(r => r.Category?.StartsWith("Contracts.Ai", StringComparison.Ordinal) == true).ToList();
        Assert.Contains(ours, r => r.Category == "Contracts.Ai.Audit" && r.Id.Id == 5100);
        Assert.Contains(ours, r => r.Id.Id == 5001);
        foreach (FakeLogRecord record in ours)
        {
            foreach (string secret in Secrets)
            {
                Assert.DoesNotContain(secret, LogText(record), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_sensitive_data_on_prompt_and_answer_appear_redacted(bool streaming)
    {
        using var capture = new TelemetryCapture();
        var logs = new FakeLoggerProvider();
        await using ServiceProvider services = BuildApp(logs, sensitive: true);
        IChatClient client = services.GetRequiredService<IChatClient>();

        await client.AskAsync(streaming, Prompt, ToolOptions());

        Activity root = capture.Single("contracts_ai.request");
        string input = Assert.IsType<string>(root.GetTagItem("gen_ai.input.messages"));
        string output = Assert.IsType<string>(root.GetTagItem("gen_ai.output.messages"));
        Assert.Contains(Phrase, input, StringComparison.Ordinal);
        Assert.Contains("<EMAIL_ADDRESS>", input, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, input, StringComparison.Ordinal);
        Assert.Contains(Answer, output, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", output, StringComparison.Ordinal);

        FakeLogRecord traced = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == 5005);
        Assert.Equal(LogLevel.Trace, traced.Level);
        Assert.Contains(Phrase, traced.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, traced.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("write to jane.doe@example.com now", "write to <EMAIL_ADDRESS> now")]
    [InlineData("card 4111 1111 1111 1111 ok", "card <NUMBER> ok")]
    [InlineData("call +44 20 7946 0958", "call <NUMBER>")]
    [InlineData("from 192.168.10.7", "from <IP_ADDRESS>")]
    [InlineData("order 1234 of 2", "order 1234 of 2")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("ünïcödé 😀 text", "ünïcödé 😀 text")]
    public void The_redactor_replaces_personal_data_by_its_kind(string? text, string expected) =>
        Assert.Equal(expected, SensitiveDataRedactor.Redact(text));

    private static string Prompt => $"My email is {Email}; the phrase is {Phrase}. Where is order {Argument}?";

    private static ChatOptions ToolOptions() => new()
    {
        Tools = [AIFunctionFactory.Create((string orderId) => $"{ToolResult} for {orderId}", "lookup_order")],
    };

    private static ServiceProvider BuildApp(FakeLoggerProvider logs, bool sensitive)
    {
        var scripted = new ScriptedChatClient(
            ScriptedTurn.CallTool("lookup_order", new Dictionary<string, object?> { ["orderId"] = Argument }),
            ScriptedTurn.Reply($"{Answer}: card 4111 1111 1111 1111 is on file.").WithUsage(40, 9));
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddChatClient(scripted).UseFunctionInvocation().UseOpenTelemetry(sourceName: TelemetryCapture.MeaiSource);
        services.AddGovernedAi(o => o.EnableSensitiveData = sensitive).AddAuditLog();
        return services.BuildServiceProvider();
    }

    private static async Task FlushAuditAsync(IServiceProvider services)
    {
        foreach (IAuditSink sink in services.GetServices<IAuditSink>())
        {
            await ((QueuedAuditSink)sink).FlushAsync();
        }
    }

    private static IEnumerable<string> SpanTexts(IEnumerable<Activity> spans)
    {
        foreach (Activity span in spans)
        {
            yield return span.DisplayName;
            yield return span.StatusDescription ?? string.Empty;
            foreach (KeyValuePair<string, object?> tag in span.TagObjects)
            {
                yield return $"{tag.Key}={tag.Value}";
            }

            foreach (ActivityEvent e in span.Events)
            {
                yield return e.Name;
                foreach (KeyValuePair<string, object?> tag in e.Tags)
                {
                    yield return $"{tag.Key}={tag.Value}";
                }
            }
        }
    }

    private static string LogText(FakeLogRecord record) =>
        string.Join("|", new[] { record.Message, record.Exception?.ToString() ?? string.Empty }
            .Concat(record.StructuredState?.Select(p => $"{p.Key}={p.Value}") ?? []));
}
