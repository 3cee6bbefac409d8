using System.Text.Json;
using Contracts.Ai.Testing;
using Contracts.Ai.Tests.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace Contracts.Ai.Tests.Audit;

[Collection(TelemetryCollection.Name)]
public sealed class JsonLinesFileAuditSinkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("contracts-ai-audit-").FullName;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task One_hundred_parallel_calls_write_one_hundred_whole_json_lines(bool streaming)
    {
        string path = Path.Combine(_folder, "nested", "decisions.jsonl");
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(r => ScriptedTurn.Reply("answer " + r.Messages[^1].Text).WithUsage(10, 2)))
            .AddAuditFile(path);
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            IChatClient client = provider.GetRequiredService<IChatClient>();
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
                Task.Run(() => client.AskAsync(streaming, "q" + i, new ChatOptions().WithTenant("tenant-" + i)))));
        }

        string[] lines = File.ReadAllLines(path);
        Assert.Equal(100, lines.Length);
        var tenants = new HashSet<string>();
        foreach (string line in lines)
        {
            using JsonDocument json = JsonDocument.Parse(line);
            Assert.Equal("ok", json.RootElement.GetProperty("outcome").GetString());
            Assert.Equal(10, json.RootElement.GetProperty("inputTokens").GetInt64());
            Assert.Equal(streaming, json.RootElement.GetProperty("streaming").GetBoolean());
            tenants.Add(json.RootElement.GetProperty("tenantId").GetString()!);
        }

        Assert.Equal(100, tenants.Count);
    }

    [Fact]
    public async Task The_file_rotates_by_size_and_keeps_the_configured_number_of_files()
    {
        string path = Path.Combine(_folder, "decisions.jsonl");
        var options = new AuditFileOptions { MaxFileSizeBytes = 2048, MaxRetainedFiles = 2 };
        await using (var sink = new JsonLinesFileAuditSink(path, options, NullLogger.Instance))
        {
            for (int i = 0; i < 60; i++)
            {
                sink.Write(Record("tenant-" + i));
            }

            await sink.FlushAsync();
            Assert.Equal(60, sink.Written);
        }

        string[] files = Directory.GetFiles(_folder).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(["decisions.1.jsonl", "decisions.2.jsonl", "decisions.jsonl"], files);
        var tenants = new List<string>();
        foreach (string file in new[] { "decisions.2.jsonl", "decisions.1.jsonl", "decisions.jsonl" })
        {
            string full = Path.Combine(_folder, file);
            Assert.True(new FileInfo(full).Length <= 2048, $"{file} is {new FileInfo(full).Length} bytes");
            tenants.AddRange(File.ReadAllLines(full).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("tenantId").GetString()!));
        }

        // The oldest records rotated out; the kept ones are whole and in order, ending with the newest.
        Assert.Equal("tenant-59", tenants[^1]);
        Assert.Equal(Enumerable.Range(60 - tenants.Count, tenants.Count).Select(i => "tenant-" + i), tenants);
    }

    [Fact]
    public async Task An_unwritable_path_never_fails_the_call_and_every_lost_record_is_counted()
    {
        // A path below a regular file cannot be created, whoever runs the tests.
        string blocker = Path.Combine(_folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "x");
        string path = Path.Combine(blocker, "decisions.jsonl");
        using var capture = new TelemetryCapture(traces: false);
        var logs = new FakeLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        services.AddGovernedAi(_ => new ScriptedChatClient(_ => ScriptedTurn.Reply("answered"))).AddAuditFile(path);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("answered", (await client.GetResponseAsync("hi")).Text);
        }

        var sink = (QueuedAuditSink)provider.GetRequiredService<IAuditSink>();
        await sink.FlushAsync();
        Assert.Equal(3, sink.Failed);
        Assert.Equal(0, sink.Written);
        Assert.Equal(3, capture.Points("contracts_ai.audit.failures").Sum(p => p.GetSumLong()));
        Assert.Contains(logs.Collector.GetSnapshot(), r => r.Id.Id == 5102 && r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task A_full_disk_never_fails_the_call_and_every_lost_record_is_counted()
    {
        // /dev/full accepts opening and fails every write with ENOSPC, like a full disk (Linux; the CI machine).
        if (!File.Exists("/dev/full"))
        {
            return;
        }

        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(_ => ScriptedTurn.Reply("answered"))).AddAuditFile("/dev/full");
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        var sink = (QueuedAuditSink)provider.GetRequiredService<IAuditSink>();

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("answered", (await client.GetResponseAsync("hi")).Text);
            await sink.FlushAsync();
        }

        Assert.Equal(5, sink.Failed);
        Assert.Equal(0, sink.Written);
    }

    [Fact]
    public async Task Disposing_the_app_writes_the_records_still_queued()
    {
        string path = Path.Combine(_folder, "decisions.jsonl");
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"))).AddAuditFile(path);
        ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        for (int i = 0; i < 20; i++)
        {
            await client.GetResponseAsync("hi");
        }

        provider.Dispose();

        Assert.Equal(20, File.ReadAllLines(path).Length);
    }

    [Fact]
    public async Task Records_never_hold_prompt_or_answer_text()
    {
        string path = Path.Combine(_folder, "decisions.jsonl");
        var services = new ServiceCollection();
        services.AddGovernedAi(_ => new ScriptedChatClient(_ => ScriptedTurn.Reply("ANSWER-TEXT-1")), o => o.EnableSensitiveData = true).AddAuditFile(path);
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<IChatClient>().GetResponseAsync("PROMPT-TEXT-1");
        }

        string line = Assert.Single(File.ReadAllLines(path));
        Assert.DoesNotContain("PROMPT-TEXT-1", line, StringComparison.Ordinal);
        Assert.DoesNotContain("ANSWER-TEXT-1", line, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static DecisionRecord Record(string tenant) => new()
    {
        Timestamp = DateTimeOffset.UnixEpoch,
        TenantId = tenant,
        ContractId = "support.answer",
        ContractVersion = "1.0.0",
        Outcome = "ok",
        ContextSources = [new ContextSource("kb-1", "kb://faq")],
        ToolCalls = [new AuditedToolCall("lookup_order", "ok")],
    };
}
