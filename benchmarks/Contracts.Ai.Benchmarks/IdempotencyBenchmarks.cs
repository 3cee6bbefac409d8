using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Contracts.Ai;
using Contracts.Ai.Redis;
using StackExchange.Redis;

namespace Contracts.Ai.Benchmarks;

/// <summary>In-memory idempotency: the cost a side-effecting tool pays on every call (budget: begin + complete &lt;= 1 us median).</summary>
[MemoryDiagnoser]
[MedianColumn]
public class IdempotencyBenchmarks
{
    private const int Keys = 1024;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly JsonTypeInfo<int> IntInfo = (JsonTypeInfo<int>)JsonSerializerOptions.Default.GetTypeInfo(typeof(int));

    private readonly string[] _keys = new string[Keys];
    private readonly byte[] _result = "{\"refundId\":\"r_123\",\"status\":\"ok\"}"u8.ToArray();
    private readonly Dictionary<string, object?> _arguments = new()
    {
        ["orderId"] = JsonSerializer.SerializeToElement(42),
        ["amount"] = JsonSerializer.SerializeToElement(10.5),
        ["reason"] = JsonSerializer.SerializeToElement("The parcel arrived damaged."),
    };

    private readonly GovernanceContext _scope = new() { TenantId = "tenant-a", ConversationId = "conv-1" };
    private readonly Func<CancellationToken, ValueTask<int>> _operation = static _ => new ValueTask<int>(7);
    private SteppingClock _clock = null!;
    private InMemoryIdempotencyStore _store = null!;
    private IdempotencyCoordinator _coordinator = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Keys; i++)
        {
            _keys[i] = ToolIdempotencyKeys.ForTool("refund_order", new Dictionary<string, object?> { ["orderId"] = i }, null, _scope).Key;
        }

        // Each call moves the clock on, and results live one tick, so every begin finds its key free
        // again: the steady state of a store serving new keys.
        _clock = new SteppingClock();
        _store = new InMemoryIdempotencyStore(10_000, _clock);
        _coordinator = new IdempotencyCoordinator(_store, new IdempotencyOptions { CompletedTimeToLive = TimeSpan.FromTicks(1) }, _clock);
        IdempotencyBeginResult begin = Sync(_store.TryBeginAsync("completed", "fp", Lease));
        _ = Sync(_store.CompleteAsync("completed", begin.LeaseId!, _result, TimeSpan.FromDays(3650)));
    }

    [Benchmark(Description = "in-memory begin + complete")]
    public bool BeginComplete()
    {
        _clock.Step();
        string key = _keys[_next++ & (Keys - 1)];
        IdempotencyBeginResult begin = Sync(_store.TryBeginAsync(key, "fp", Lease));
        return Sync(_store.CompleteAsync(key, begin.LeaseId!, _result, TimeSpan.FromTicks(1)));
    }

    [Benchmark(Description = "in-memory replay (begin on a completed key)")]
    public int Replay() => Sync(_store.TryBeginAsync("completed", "fp", Lease)).Result.Length;

    [Benchmark(Description = "coordinator: execute once (begin, run, serialise, complete)")]
    public int Execute()
    {
        _clock.Step();
        return Sync(_coordinator.ExecuteAsync(_keys[_next++ & (Keys - 1)], "fp", _operation, IntInfo, CancellationToken.None)).Value;
    }

    [Benchmark(Description = "tool key: 3 arguments, canonicalised and hashed")]
    public string ToolKey() => ToolIdempotencyKeys.ForTool("refund_order", _arguments, null, _scope).Key;

    // The in-memory store completes synchronously; this only guards the benchmark against a change in that.
    private static T Sync<T>(ValueTask<T> pending) => pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

        public void Step() => _ticks += TimeSpan.TicksPerMillisecond;

        public override DateTimeOffset GetUtcNow() => new(_ticks, TimeSpan.Zero);
    }
}

/// <summary>Redis idempotency against a redis-server started on a free loopback port: one round trip per begin and per complete.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class RedisIdempotencyBenchmarks
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private readonly byte[] _result = "{\"refundId\":\"r_123\",\"status\":\"ok\"}"u8.ToArray();
    private Process? _server;
    private ConnectionMultiplexer _connection = null!;
    private RedisIdempotencyStore _store = null!;
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        _server = Process.Start(start);
        _server!.OutputDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                _connection = ConnectionMultiplexer.Connect($"127.0.0.1:{port}");
                break;
            }
            catch (RedisConnectionException) when (waited.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(50);
            }
        }

        _store = new RedisIdempotencyStore(_connection);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        if (_server is { HasExited: false })
        {
            _server.Kill();
            _server.WaitForExit();
        }

        _server?.Dispose();
    }

    [Benchmark(Description = "Redis begin + complete (2 round trips)")]
    public async Task<bool> BeginComplete()
    {
        string key = "bench:" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        IdempotencyBeginResult begin = await _store.TryBeginAsync(key, "fp", Lease);
        return await _store.CompleteAsync(key, begin.LeaseId!, _result, TimeSpan.FromSeconds(5));
    }

    [Benchmark(Description = "Redis replay (1 round trip)")]
    public async Task<int> Replay()
    {
        const string key = "bench:completed";
        IdempotencyBeginResult begin = await _store.TryBeginAsync(key, "fp", Lease);
        if (begin.Status == IdempotencyBeginStatus.Started)
        {
            await _store.CompleteAsync(key, begin.LeaseId!, _result, TimeSpan.FromHours(1));
        }

        return begin.Result.Length;
    }
}
