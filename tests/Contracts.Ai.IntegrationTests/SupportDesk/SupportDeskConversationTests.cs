using System.Net;
using System.Net.Http.Json;
using Contracts.Ai.SupportDesk;
using Microsoft.AspNetCore.Builder;

namespace Contracts.Ai.IntegrationTests.SupportDesk;

/// <summary>The support desk keeps each user's conversations with session memory: a follow-up needs only the new question.</summary>
public sealed class SupportDeskConversationTests : IAsyncLifetime
{
    private readonly string _auditFolder = Directory.CreateTempSubdirectory("support-desk-audit-").FullName;
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        _app = SupportDeskApp.Build(["--urls", "http://127.0.0.1:0", "--SupportDesk:AuditFolder", _auditFolder, "--SupportDesk:Exporter", "none"]);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(Assert.Single(_app.Urls)) };
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? user, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Tenant", "acme");
        if (user is not null)
        {
            request.Headers.Add("X-User", user);
        }

        return await _http!.SendAsync(request);
    }

    private async Task<string> AskAsync(string user, string conversation, string question)
    {
        HttpResponseMessage response = await SendAsync(HttpMethod.Post, "/ask", user, new { question, conversation });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<AskResponse>())!.Answer;
    }

    [Fact]
    public async Task A_follow_up_is_answered_from_the_remembered_conversation_of_that_user_only()
    {
        string first = await AskAsync("ada", "c1", "Where is order A-1001?");
        string followUp = await AskAsync("ada", "c1", "When will it arrive?");
        string otherUser = await AskAsync("bob", "c1", "When will it arrive?");

        Assert.Contains("A-1001", first, StringComparison.Ordinal);
        Assert.Equal(first, followUp);
        Assert.DoesNotContain("A-1001", otherUser, StringComparison.Ordinal);

        List<ConversationMessage>? remembered = await (await SendAsync(HttpMethod.Get, "/conversations/c1", "ada")).Content.ReadFromJsonAsync<List<ConversationMessage>>();
        Assert.Equal(["Where is order A-1001?", first, "When will it arrive?", followUp], remembered!.Where(m => m.Role != "tool").Select(m => m.Text));
        Assert.DoesNotContain(remembered!, m => m.Role == "system");
    }

    [Fact]
    public async Task Erasing_a_users_conversations_forgets_them()
    {
        await AskAsync("ada", "c1", "Where is order A-1001?");
        await AskAsync("ada", "c2", "Where is order A-1002?");

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, "/conversations", "ada")).StatusCode);

        Assert.Empty((await (await SendAsync(HttpMethod.Get, "/conversations/c1", "ada")).Content.ReadFromJsonAsync<List<ConversationMessage>>())!);
        Assert.Empty((await (await SendAsync(HttpMethod.Get, "/conversations/c2", "ada")).Content.ReadFromJsonAsync<List<ConversationMessage>>())!);
        Assert.DoesNotContain("A-1001", await AskAsync("ada", "c1", "When will it arrive?"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conversation_without_a_user_is_refused()
    {
        HttpResponseMessage response = await SendAsync(HttpMethod.Post, "/ask", user: null, new { question = "Where is order A-1001?", conversation = "c1" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
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
}
