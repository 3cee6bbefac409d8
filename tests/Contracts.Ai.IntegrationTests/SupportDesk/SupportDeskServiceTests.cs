using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Contracts.Ai.SupportDesk;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Contracts.Ai.IntegrationTests.SupportDesk;

public sealed class SupportDeskServiceTests : IAsyncLifetime
{
    private readonly string _auditFolder = Directory.CreateTempSubdirectory("support-desk-audit-").FullName;
    private readonly List<Activity> _spans = [];
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        _app = SupportDeskApp.Build(
            ["--urls", "http://127.0.0.1:0", "--SupportDesk:AuditFolder", _auditFolder, "--SupportDesk:Exporter", "none"],
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans)));
        await _app.StartAsync();
        string address = Assert.Single(_app.Urls);
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    [Fact]
    public async Task Questions_and_tickets_are_answered_traced_and_audited()
    {
        using var ask = new HttpRequestMessage(HttpMethod.Post, "/ask") { Content = JsonContent.Create(new { question = "Where is order A-1001?" }) };
        ask.Headers.Add("X-Tenant", "acme");
        HttpResponseMessage askResponse = await _http!.SendAsync(ask);
        askResponse.EnsureSuccessStatusCode();
        AskResponse? answer = await askResponse.Content.ReadFromJsonAsync<AskResponse>();
        HttpResponseMessage triageResponse = await _http.PostAsJsonAsync("/tickets/triage", new { subject = "Refund ASAP", body = "I was charged twice for my order." });
        triageResponse.EnsureSuccessStatusCode();
        TriageResponse? triage = await triageResponse.Content.ReadFromJsonAsync<TriageResponse>();
        HttpResponseMessage bad = await _http.PostAsJsonAsync("/ask", new { question = " " });

        // Stopping the host flushes the audit sink and the span exporter.
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _app = null;

        Assert.Equal("Order A-1001 is shipped on 2026-11-20, arriving 2026-11-26. Is there anything else I can help with?", answer!.Answer);
        Assert.Equal(("billing", "high"), (triage!.Category, triage.Priority));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // Spans: HTTP request > app span > contracts_ai.request > MEAI's tool loop, chat and execute_tool spans.
        // Listeners are process-wide: another test's app running beside this one exports its spans here too, so
        // spans are picked by this request's trace.
        Activity askSpan = Assert.Single(_spans, s => s.DisplayName == "support.ask" && s.TraceId.ToHexString() == answer.TraceId);
        Activity root = Assert.Single(_spans, s => s.DisplayName == "contracts_ai.request" && s.TraceId == askSpan.TraceId);
        Assert.Equal(askSpan.SpanId, root.ParentSpanId);
        Assert.Equal("acme", root.GetTagItem("contracts_ai.tenant.id"));
        Assert.Equal("ok", root.GetTagItem("contracts_ai.outcome"));
        Assert.True(root.GetTagItem("gen_ai.usage.input_tokens") is long tokens && tokens > 0);
        List<Activity> underRoot = _spans.Where(s => IsUnder(s, root)).ToList();
        Assert.Equal(2, underRoot.Count(s => s.DisplayName == "chat " + SupportModel.ModelId));
        Assert.Single(underRoot, s => s.DisplayName == "execute_tool lookup_order");
        Assert.Contains(_spans, s => s.DisplayName == "contracts_ai.request" && s.TraceId.ToHexString() == triage.TraceId);

        // Audit: one whole JSON line per governed call, tied to its trace.
        string[] lines = await File.ReadAllLinesAsync(Path.Combine(_auditFolder, "decisions.jsonl"));
        Assert.Equal(2, lines.Length);
        using JsonDocument askRecord = JsonDocument.Parse(Assert.Single(lines, l => l.Contains(answer.TraceId!, StringComparison.Ordinal)));
        JsonElement record = askRecord.RootElement;
        Assert.Equal(root.SpanId.ToHexString(), record.GetProperty("spanId").GetString());
        Assert.Equal("acme", record.GetProperty("tenantId").GetString());
        Assert.Equal("ok", record.GetProperty("outcome").GetString());
        Assert.Equal("kb-shipping-policy", record.GetProperty("contextSources")[0].GetProperty("id").GetString());
        Assert.True(record.GetProperty("inputTokens").GetInt64() > 0);
        Assert.DoesNotContain("A-1001", lines[0] + lines[1], StringComparison.Ordinal);
        using JsonDocument triageRecord = JsonDocument.Parse(Assert.Single(lines, l => l.Contains(triage.TraceId!, StringComparison.Ordinal)));
        Assert.Equal("demo", triageRecord.RootElement.GetProperty("tenantId").GetString());
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_auditFolder, recursive: true);
    }

    private bool IsUnder(Activity span, Activity ancestor)
    {
        Dictionary<ActivitySpanId, Activity> byId = _spans.ToDictionary(s => s.SpanId);
        for (ActivitySpanId parent = span.ParentSpanId; parent != default && byId.TryGetValue(parent, out Activity? next); parent = next.ParentSpanId)
        {
            if (next.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
