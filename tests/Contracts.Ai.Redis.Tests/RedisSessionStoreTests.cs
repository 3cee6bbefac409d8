using System.Globalization;
using Contracts.Ai.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace Contracts.Ai.Redis.Tests;

/// <summary>Session memory in Redis: shared by app instances, atomic under concurrency, erasable, bounded, and typed when Redis is down.</summary>
public sealed class RedisSessionStoreTests : IClassFixture<RedisServer>
{
    private readonly RedisServer _server;

    public RedisSessionStoreTests(RedisServer server)
    {
        _server = server;
    }

    private static ChatOptions Session(string tenant, string user, string session) => new ChatOptions().WithTenant(tenant, user).WithSession(session);

    private static string NewId() => Guid.NewGuid().ToString("N")[..10];

    private static ServiceProvider Instance(IConnectionMultiplexer connection, ScriptedChatClient model, Action<SessionMemoryOptions>? configure = null, string prefix = "contracts-ai:")
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddChatClient(model).UseFunctionInvocation();
        services.AddGovernedAi().UseRedis(connection, o => o.FleetStateKeyPrefix = prefix).AddSessionMemory(configure);
        return services.BuildServiceProvider();
    }

    private static async Task<ChatResponse> AskAsync(IChatClient client, string text, ChatOptions options, bool streaming) =>
        streaming
            ? await client.GetStreamingResponseAsync(text, options).ToChatResponseAsync()
            : await client.GetResponseAsync(text, options);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_app_instances_continue_the_same_session(bool streaming)
    {
        var model = new ScriptedChatClient(ScriptedTurn.Reply("Hello Ada"), ScriptedTurn.Reply("You are Ada"));
        using ConnectionMultiplexer first = _server.Connect();
        using ConnectionMultiplexer second = _server.Connect();
        using ServiceProvider a = Instance(first, model);
        using ServiceProvider b = Instance(second, model);
        string tenant = NewId();

        await AskAsync(a.GetRequiredService<IChatClient>(), "My name is Ada", Session(tenant, "u1", "s1"), streaming);
        await AskAsync(b.GetRequiredService<IChatClient>(), "What is my name?", Session(tenant, "u1", "s1"), streaming);

        Assert.Equal(["My name is Ada", "Hello Ada", "What is my name?"], model.Requests[1].Messages.Select(m => m.Text));
        IReadOnlyList<ChatMessage> remembered = await a.GetRequiredService<ISessionMemory>().GetHistoryAsync(tenant, "u1", "s1");
        Assert.Equal(["My name is Ada", "Hello Ada", "What is my name?", "You are Ada"], remembered.Select(m => m.Text));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tool_calls_and_results_survive_the_round_trip_through_Redis(bool streaming)
    {
        var model = new ScriptedChatClient(
            ScriptedTurn.CallTool("lookup_order", new Dictionary<string, object?> { ["orderId"] = 42 }, "call-1"),
            ScriptedTurn.Reply("Shipped."),
            ScriptedTurn.Reply("Yesterday."));
        using ConnectionMultiplexer connection = _server.Connect();
        using ServiceProvider app = Instance(connection, model);
        IChatClient client = app.GetRequiredService<IChatClient>();
        AIFunction lookup = AIFunctionFactory.Create((int orderId) => $"order {orderId}: shipped", "lookup_order");
        string tenant = NewId();

        await AskAsync(client, "Where is order 42?", new ChatOptions { Tools = [lookup] }.WithTenant(tenant, "u1").WithSession("s1"), streaming);
        await AskAsync(client, "When?", new ChatOptions { Tools = [lookup] }.WithTenant(tenant, "u1").WithSession("s1"), streaming);

        // Data protection's spotlighting instruction comes first: remembered tool output is screened like fresh tool output.
        List<ChatMessage> sent = model.Requests[2].Messages.Where(m => m.Role != ChatRole.System).ToList();
        FunctionCallContent call = Assert.Single(sent[1].Contents.OfType<FunctionCallContent>());
        FunctionResultContent result = Assert.Single(sent[2].Contents.OfType<FunctionResultContent>());
        Assert.Equal("lookup_order", call.Name);
        Assert.Equal("call-1", result.CallId);
        Assert.Contains("shipped", result.Result?.ToString(), StringComparison.Ordinal);
        Assert.Equal("When?", sent[^1].Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_requests_on_two_instances_lose_no_turn(bool streaming)
    {
        var model = new ScriptedChatClient(request => ScriptedTurn.Reply("re: " + request.Messages[^1].Text));
        using ConnectionMultiplexer first = _server.Connect();
        using ConnectionMultiplexer second = _server.Connect();
        using ServiceProvider a = Instance(first, model);
        using ServiceProvider b = Instance(second, model);
        IChatClient clientA = a.GetRequiredService<IChatClient>();
        IChatClient clientB = b.GetRequiredService<IChatClient>();
        string tenant = NewId();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => AskAsync(i % 2 == 0 ? clientA : clientB, $"q{i}", Session(tenant, "u1", "s1"), streaming))));

        IReadOnlyList<ChatMessage> remembered = await a.GetRequiredService<ISessionMemory>().GetHistoryAsync(tenant, "u1", "s1");
        Assert.Equal(200, remembered.Count);
        Assert.Equal(100, remembered.Where(m => m.Role == ChatRole.User).Select(m => m.Text).Distinct().Count());
    }

    [Fact]
    public async Task ForgetUser_erases_every_session_of_the_user_on_every_instance()
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ConnectionMultiplexer connection = _server.Connect();
        using ServiceProvider a = Instance(connection, model);
        using ServiceProvider b = Instance(connection, model);
        string tenant = NewId();
        foreach ((string user, string session) in new[] { ("u1", "a"), ("u1", "b"), ("u1", "c:{x}|y"), ("u2", "a") })
        {
            await a.GetRequiredService<IChatClient>().GetResponseAsync("hi", Session(tenant, user, session));
        }

        await b.GetRequiredService<ISessionMemory>().ForgetUserAsync(tenant, "u1");

        ISessionMemory memory = a.GetRequiredService<ISessionMemory>();
        Assert.Empty(await memory.GetHistoryAsync(tenant, "u1", "a"));
        Assert.Empty(await memory.GetHistoryAsync(tenant, "u1", "b"));
        Assert.Empty(await memory.GetHistoryAsync(tenant, "u1", "c:{x}|y"));
        Assert.Equal(2, (await memory.GetHistoryAsync(tenant, "u2", "a")).Count);
        IServer server = connection.GetServers()[0];
        Assert.Empty(server.Keys(pattern: $"contracts-ai:session:{{{tenant}|u1}}*"));

        await memory.ForgetSessionAsync(tenant, "u2", "a");
        Assert.Empty(server.Keys(pattern: $"contracts-ai:session:{{{tenant}|u2}}:s:*"));
    }

    [Fact]
    public async Task Ids_with_separators_never_share_a_session()
    {
        using ConnectionMultiplexer connection = _server.Connect();
        var store = new RedisSessionStore(connection, "test:" + NewId() + ":");
        SessionTurn turn = new([new ChatMessage(ChatRole.User, "x")], 1, "o200k_base");
        SessionKey[] keys = [new("a|b", "c", "s"), new("a", "b|c", "s"), new("a", "b", "c:s"), new("a:b", "c", "s"), new("a", null, "s"), new(null, "a", "s")];

        await store.AppendAsync(keys[0], turn, 10, TimeSpan.FromMinutes(1));

        for (int i = 1; i < keys.Length; i++)
        {
            Assert.Empty(await store.LoadAsync(keys[i]));
        }

        Assert.Single(await store.LoadAsync(keys[0]));
    }

    [Fact]
    public async Task A_session_keeps_MaxTurns_and_expires_after_IdleTimeout()
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ConnectionMultiplexer connection = _server.Connect();
        using ServiceProvider app = Instance(connection, model, o => { o.MaxTurns = 3; o.IdleTimeout = TimeSpan.FromMinutes(5); });
        string tenant = NewId();
        for (int i = 0; i < 6; i++)
        {
            await app.GetRequiredService<IChatClient>().GetResponseAsync($"q{i}", Session(tenant, "u1", "s1"));
        }

        IReadOnlyList<ChatMessage> remembered = await app.GetRequiredService<ISessionMemory>().GetHistoryAsync(tenant, "u1", "s1");
        IDatabase db = connection.GetDatabase();
        TimeSpan? sessionTtl = await db.KeyTimeToLiveAsync($"contracts-ai:session:{{{tenant}|u1}}:s:s1");
        TimeSpan? indexTtl = await db.KeyTimeToLiveAsync($"contracts-ai:session:{{{tenant}|u1}}:i");

        Assert.Equal(["q3", "ok", "q4", "ok", "q5", "ok"], remembered.Select(m => m.Text));
        Assert.InRange(sessionTtl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.InRange(indexTtl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task A_session_left_idle_past_its_timeout_is_gone()
    {
        using ConnectionMultiplexer connection = _server.Connect();
        var store = new RedisSessionStore(connection, "test:" + NewId() + ":");
        var key = new SessionKey("acme", "u1", "s1");

        await store.AppendAsync(key, new SessionTurn([new ChatMessage(ChatRole.User, "x")], 1, "o200k_base"), 10, TimeSpan.FromMilliseconds(300));
        Assert.Single(await store.LoadAsync(key));
        await Task.Delay(600);

        Assert.Empty(await store.LoadAsync(key));
    }

    [Fact]
    public async Task Each_request_costs_two_round_trips()
    {
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ConnectionMultiplexer connection = _server.Connect();
        using ServiceProvider app = Instance(connection, model, prefix: "rt:" + NewId() + ":");
        IChatClient client = app.GetRequiredService<IChatClient>();
        await client.GetResponseAsync("warm up", Session("acme", "u1", "s1"));
        IServer server = connection.GetServers()[0];
        await server.ExecuteAsync("CONFIG", "RESETSTAT");

        for (int i = 0; i < 10; i++)
        {
            await client.GetResponseAsync($"q{i}", Session("acme", "u1", "s1"));
        }

        string stats = (await server.ExecuteAsync("INFO", "commandstats")).ToString();
        long Calls(string command)
        {
            string line = stats.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal)) ?? string.Empty;
            int at = line.IndexOf("calls=", StringComparison.Ordinal);
            return at < 0 ? 0 : long.Parse(line[(at + 6)..line.IndexOf(',', at)], CultureInfo.InvariantCulture);
        }

        long roundTrips = Calls("lrange") + Calls("evalsha") + Calls("eval");
        Assert.Equal(20, roundTrips);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_outage_fails_typed_before_the_model_is_called(bool streaming)
    {
        using var server = new RedisServer();
        using ConnectionMultiplexer connection = server.Connect();
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("ok"));
        using ServiceProvider app = Instance(connection, model);
        IChatClient client = app.GetRequiredService<IChatClient>();
        await AskAsync(client, "first", Session("acme", "u1", "s1"), streaming);

        server.Kill();

        SessionStoreUnavailableException error = await Assert.ThrowsAsync<SessionStoreUnavailableException>(() => AskAsync(client, "second", Session("acme", "u1", "s1"), streaming));
        Assert.IsAssignableFrom<GovernedAiException>(error);
        Assert.Contains("Redis session store is unavailable", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, model.CallCount);
        await Assert.ThrowsAsync<SessionStoreUnavailableException>(() => app.GetRequiredService<ISessionMemory>().ForgetUserAsync("acme", "u1"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task By_option_an_outage_lets_the_call_continue_without_memory_and_logs_a_warning(bool streaming)
    {
        using var server = new RedisServer();
        using ConnectionMultiplexer connection = server.Connect();
        var model = new ScriptedChatClient(_ => ScriptedTurn.Reply("answered anyway"));
        using ServiceProvider app = Instance(connection, model, o => o.OnStoreUnavailable = SessionStoreFailureMode.ContinueWithoutMemory);
        IChatClient client = app.GetRequiredService<IChatClient>();
        await AskAsync(client, "first", Session("acme", "u1", "s1"), streaming);

        server.Kill();
        ChatResponse response = await AskAsync(client, "second", Session("acme", "u1", "s1"), streaming);

        Assert.Equal("answered anyway", response.Text);
        Assert.Equal(["second"], model.Requests[1].Messages.Select(m => m.Text));
        FakeLogCollector logs = app.GetFakeLogCollector();
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 5701 && r.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 5702);
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains("second", StringComparison.Ordinal));
    }
}
