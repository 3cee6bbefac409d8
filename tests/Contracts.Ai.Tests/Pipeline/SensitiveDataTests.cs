using System.Diagnostics;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Contracts.Ai.Tests.Pipeline;

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
        Assert.Contains("[EMAIL]", input, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, input, StringComparison.Ordinal);
        Assert.Contains(Answer, output, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", output, StringComparison.Ordinal);

        FakeLogRecord traced = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == 5005);
        Assert.Equal(LogLevel.Trace, traced.Level);
        Assert.Contains(Phrase, traced.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, traced.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("write to jane.doe@example.com now", "write to [EMAIL] now")]
    [InlineData("card 4111 1111 1111 1111 ok", "card [CREDIT_CARD] ok")]
    [InlineData("from 192.168.10.7", "from [IP_ADDRESS]")]
    [InlineData("order 1234 of 2", "order 1234 of 2")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("ünïcödé 😀 text", "ünïcödé 😀 text")]
    public void Sensitive_text_passes_through_the_telemetry_policy_of_the_pii_redactor(string? text, string expected) =>
        Assert.Equal(expected, new SensitiveDataRedactor(new PiiRedactor(new DefaultPiiRecognizer())).Redact(text, contractId: null));

    [Fact]
    public void Text_the_telemetry_policy_blocks_is_withheld_whole()
    {
        var options = new DataProtectionOptions();
        options.Policy.Telemetry = new PiiPolicy { Action = PiiAction.Block };
        var redactor = new SensitiveDataRedactor(new PiiRedactor(new DefaultPiiRecognizer(), options));

        Assert.Equal("[REDACTED]", redactor.Redact("mail jane.doe@example.com", null));
        Assert.Equal("no personal data", redactor.Redact("no personal data", null));
    }

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
