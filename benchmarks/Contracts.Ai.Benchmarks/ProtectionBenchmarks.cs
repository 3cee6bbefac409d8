using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Contracts.Ai;
using Contracts.Ai.Evaluation;

namespace Contracts.Ai.Benchmarks;

/// <summary>
/// PII and injection screening throughput on 1 MB of ASCII support-ticket prose, code and tables:
/// <c>Clean</c> has no personal data, <c>Typical</c> one contact paragraph (email, phone, card, IP) per
/// ~16 paragraphs, <c>Dense</c> a contact paragraph and an API key in every 8. Budget: >= 50 MB/s for
/// screening + redaction. <c>ScreenMessages</c> screens realistic messages one by one instead (injection
/// detection + PII recognition per message): the 500-2,000 character rows of <c>tests/data/injection</c>,
/// repeated up to <see cref="Bytes"/> characters; <c>Clean</c> takes the benign rows, <c>Dense</c> the
/// injections, <c>Typical</c> all of them.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class ProtectionBenchmarks
{
    private static readonly string[] Paragraphs =
    [
        "Hello team, the customer reported that the export job failed twice last night after the upgrade. They attached the log and asked whether we can rerun it before the weekly review on Monday morning. ",
        "Please find the quarterly numbers in the table below; revenue grew in every region except the north, where two large accounts churned after the pricing change. ",
        "| Region | Q1 | Q2 | Q3 |\n| North | 120 | 118 | 97 |\n| South | 210 | 232 | 251 |\n| West | 99 | 104 | 131 |\n",
        "def retry(fn, attempts=3):\n    for i in range(attempts):\n        try:\n            return fn()\n        except TimeoutError:\n            continue\n    raise RuntimeError('gave up')\n",
        "The meeting notes say we should summarize the incident, list the action items, and send the draft to legal for review before anything is published on the status page. ",
        "Contact: maria.lopez@example.com, phone +44 20 7946 0958, card on file 4111 1111 1111 1111, last login from 203.0.113.42. ",
        "Our deployment uses the key sk-proj-abcdefghij0123456789KLMNOPQRSTuvwxyz for staging only; rotate it after the test. ",
        "Version 2.4.1 shipped on 2024-05-03 with 17 fixes; the next release is planned for the end of the quarter, pending the security audit. ",
    ];

    private string _text = string.Empty;
    private (string Text, ContentOrigin Origin)[] _messages = [];
    private DefaultPiiRecognizer _recognizer = null!;
    private HeuristicInjectionDetector _detector = null!;
    private PiiRedactor _redactor = null!;

    /// <summary>Gets or sets the size of the text, in bytes (ASCII: one byte a character).</summary>
    [Params(1_000_000)]
    public int Bytes { get; set; }

    /// <summary>Gets or sets how much personal data the text holds: Clean, Typical or Dense.</summary>
    [Params("Clean", "Typical", "Dense")]
    public string Corpus { get; set; } = "Typical";

    [GlobalSetup]
    public void Setup()
    {
        var builder = new StringBuilder(Bytes + 512);
        int i = 0;
        while (builder.Length < Bytes)
        {
            // Paragraphs 5 and 6 carry the personal data and the key.
            int n = i++;
            int p = n % Paragraphs.Length;
            bool sensitive = p is 5 or 6;
            bool keep = Corpus switch
            {
                "Clean" => !sensitive,
                "Typical" => !sensitive || (p == 5 && (n / Paragraphs.Length) % 2 == 0),
                _ => true,
            };
            if (keep)
            {
                builder.Append(Paragraphs[p]);
            }
        }

        _text = builder.ToString(0, Bytes);
        _messages = LoadMessages(Corpus, Bytes);
        _recognizer = new DefaultPiiRecognizer();
        _detector = new HeuristicInjectionDetector();
        _redactor = new PiiRedactor(_recognizer);
    }

    [Benchmark]
    public int ScreenMessages()
    {
        int findings = 0;
        foreach ((string text, ContentOrigin origin) in _messages)
        {
            findings += _detector.Detect(text, origin).IsInjection ? 1 : 0;
            findings += _recognizer.Recognize(text).Count;
        }

        return findings;
    }

    [Benchmark]
    public int RecognizePii() => _recognizer.Recognize(_text).Count;

    [Benchmark]
    public string RedactPii() => _redactor.Redact(_text, DataDirection.OutboundPrompt);

    [Benchmark]
    public bool DetectInjection() => _detector.Detect(_text, ContentOrigin.ToolOutput).IsInjection;

    [Benchmark(Baseline = true)]
    public int ScreenAndRedact()
    {
        InjectionVerdict verdict = _detector.Detect(_text, ContentOrigin.UserPrompt);
        return _redactor.Redact(_text, DataDirection.OutboundPrompt).Length + (verdict.IsInjection ? 1 : 0);
    }

    private static (string Text, ContentOrigin Origin)[] LoadMessages(string corpus, int characters)
    {
        string folder = ScreeningEvaluation.FindDataFolder(AppContext.BaseDirectory)
            ?? throw new DirectoryNotFoundException("tests/data not found above " + AppContext.BaseDirectory);
        var rows = new List<(string Text, ContentOrigin Origin)>();
        foreach (string line in File.ReadLines(Path.Combine(folder, "injection", "dev.jsonl")))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            string text = doc.RootElement.GetProperty("text").GetString()!;
            bool injection = doc.RootElement.GetProperty("label").GetString() == "injection";
            ContentOrigin origin = doc.RootElement.GetProperty("kind").GetString() == "direct" ? ContentOrigin.UserPrompt : ContentOrigin.ToolOutput;
            bool keep = corpus switch { "Clean" => !injection, "Dense" => injection, _ => true };
            if (keep && text.Length is >= 500 and <= 2000)
            {
                rows.Add((text, origin));
            }
        }

        var messages = new List<(string Text, ContentOrigin Origin)>();
        int total = 0;
        for (int i = 0; total < characters; i++)
        {
            (string text, ContentOrigin origin) = rows[i % rows.Count];
            text = text.Length <= characters - total ? text : text[..(characters - total)];
            messages.Add((text, origin));
            total += text.Length;
        }

        return [.. messages];
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        // The fastest iteration beside the mean: on a shared machine other processes only ever add time.
        public ThroughputConfig() => AddColumn(StatisticColumn.Min, new ThroughputColumn(), new ThroughputColumn(fromMin: true));
    }

    /// <summary>MB/s of the <see cref="Bytes"/> parameter over the mean time, or over the fastest iteration.</summary>
    private sealed class ThroughputColumn(bool fromMin = false) : IColumn
    {
        public string Id => fromMin ? "ThroughputBest" : "Throughput";

        public string ColumnName => fromMin ? "MB/s (best)" : "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => fromMin ? "Megabytes (10^6) of text screened per second, from the fastest iteration" : "Megabytes (10^6) of ASCII text screened per second, from the mean";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            BenchmarkReport? report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats || benchmarkCase.Parameters["Bytes"] is not int bytes)
            {
                return "-";
            }

            double seconds = (fromMin ? stats.Min : stats.Mean) / 1e9;
            return (bytes / 1e6 / seconds).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
