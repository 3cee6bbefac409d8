using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Contracts.Ai.SupportDesk;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OpenTelemetry.Trace;

namespace Contracts.Ai.IntegrationTests.SupportDesk;

/// <summary>The sample's support.reply canary (declared in its prompt files) is rolled back when its scripted model breaks the contract.</summary>
public sealed class SupportDeskCanaryTests : IAsyncLifetime
{
    private readonly string _auditFolder = Directory.CreateTempSubdirectory("support-desk-canary-").FullName;
    private readonly List<Activity> _spans = [];
    private readonly MetricCollector<long> _rollbacks = new(null, GovernedAiTelemetry.SourceName, "contracts_ai.rollout.rollbacks");
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        _app = SupportDeskApp.Build(
            ["--urls", "http://127.0.0.1:0", "--SupportDesk:AuditFolder", _auditFolder, "--SupportDesk:Exporter", "none"],
            builder =>
            {
                builder.Logging.AddFakeLogging();
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
            });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(Assert.Single(_app.Urls)) };
    }

    [Fact]
    public async Task The_bad_canary_is_rolled_back_and_its_users_return_to_the_baseline()
    {
        RolloutStatus before = Assert.Single(await GetRolloutsAsync(), r => r.ContractId == "support.reply");
        Assert.Equal("production", before.Label);
        Assert.Equal([("1.0.0", 90d, false), ("1.1.0", 10d, false)], before.Versions.Select(v => (v.Version, v.Weight, v.RolledBack)));

        // Distinct users until the canary is rolled back; each user is sticky to one version.
        var canaryUsers = new List<string>();
        var baselineUsers = new List<string>();
        RolloutStatus? after = null;
        for (int i = 0; i < 2000 && after is null; i++)
        {
            string user = $"customer-{i}";
            HttpResponseMessage response = await ReplyAsync(user);
            if (response.StatusCode == HttpStatusCode.BadGateway)
            {
                canaryUsers.Add(user);
                RolloutStatus status = Assert.Single(await GetRolloutsAsync(), r => r.ContractId == "support.reply");
                after = status.Versions[1].RolledBack ? status : null;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                baselineUsers.Add(user);
            }
        }

        Assert.NotNull(after);
        Assert.Equal(20, canaryUsers.Count);
        Assert.InRange(baselineUsers.Count, 60, 400);
        Assert.False(after.Versions[0].RolledBack);
        Assert.Contains("is worse than the baseline", after.Versions[1].Reason, StringComparison.Ordinal);

        // The canary's users are now served by the baseline, and so is everyone new.
        var servedAfter = new List<string>();
        foreach (string user in canaryUsers.Concat(["customer-new-1", "customer-new-2"]))
        {
            HttpResponseMessage response = await ReplyAsync(user);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            ReplyResponse? reply = await response.Content.ReadFromJsonAsync<ReplyResponse>();
            Assert.Equal("shipping", reply!.Category);
            servedAfter.Add(reply.TraceId!);
        }

        await _app!.StopAsync();

        Dictionary<string, Activity> roots = _spans.Where(s => s.DisplayName == "contracts_ai.request").ToDictionary(s => s.TraceId.ToHexString());
        Assert.All(servedAfter, trace => Assert.Equal("1.0.0", roots[trace].GetTagItem("contracts_ai.contract.version")));
        Activity rolledBackOn = Assert.Single(roots.Values, s => s.Events.Any(e => e.Name == "contracts_ai.rollback"));
        Assert.Equal("1.1.0", rolledBackOn.GetTagItem("contracts_ai.contract.version"));
        Assert.Equal("1.1.0", rolledBackOn.Events.Single(e => e.Name == "contracts_ai.rollback").Tags.Single(t => t.Key == "contracts_ai.contract.version").Value);

        FakeLogRecord log = Assert.Single(_app.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 7001);
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Contains("1.1.0", log.Message, StringComparison.Ordinal);
        Assert.Contains("support.reply", log.Message, StringComparison.Ordinal);

        CollectedMeasurement<long> rollback = Assert.Single(_rollbacks.GetMeasurementSnapshot(), m => m.Tags["contracts_ai.contract.id"] as string == "support.reply");
        Assert.Equal(1, rollback.Value);
        Assert.Equal("1.1.0", rollback.Tags["contracts_ai.contract.version"]);
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        _rollbacks.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_auditFolder, recursive: true);
    }

    private async Task<HttpResponseMessage> ReplyAsync(string user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/reply")
        {
            Content = JsonContent.Create(new { customer = "Ada", question = "My parcel was due on Monday and has not arrived." }),
        };
        request.Headers.Add("X-Tenant", "acme");
        request.Headers.Add("X-User", user);
        return await _http!.SendAsync(request);
    }

    private async Task<List<RolloutStatus>> GetRolloutsAsync() =>
        (await _http!.GetFromJsonAsync<List<RolloutStatus>>("/rollouts"))!;
}
