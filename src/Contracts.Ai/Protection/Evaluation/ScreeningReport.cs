using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Contracts.Ai.Evaluation;

/// <summary>The outcome of <see cref="ScreeningEvaluation.RunAsync"/>: injection counts per source and kind, PII counts per entity type.</summary>
internal sealed class ScreeningReport(string dataFolder)
{
    private readonly SortedDictionary<string, InjectionCounts> _bySource = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, InjectionCounts> _byKind = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, PiiCounts> _byType = new(StringComparer.Ordinal);

    public string DataFolder { get; } = dataFolder;

    public IReadOnlyDictionary<string, InjectionCounts> InjectionBySource => _bySource;

    public IReadOnlyDictionary<string, InjectionCounts> InjectionByKind => _byKind;

    public InjectionCounts InjectionTotal { get; } = new();

    public IReadOnlyDictionary<string, PiiCounts> PiiByType => _byType;

    public PiiCounts PiiTotal { get; } = new();

    public void AddInjection(string source, string kind, bool isInjection, bool flagged)
    {
        Get(_bySource, source).Add(isInjection, flagged);
        Get(_byKind, kind).Add(isInjection, flagged);
        InjectionTotal.Add(isInjection, flagged);
    }

    public void AddPiiExpected(string type, bool found)
    {
        GetPii(type).AddExpected(found);
        PiiTotal.AddExpected(found);
    }

    public void AddPiiFound(string type, bool correct)
    {
        GetPii(type).AddFound(correct);
        PiiTotal.AddFound(correct);
    }

    /// <summary>Writes the report as aligned text tables.</summary>
    /// <param name="writer">Where to write.</param>
    public void WriteText(TextWriter writer)
    {
        writer.WriteLine($"Data: {DataFolder}");
        writer.WriteLine();
        writer.WriteLine("Injection screening (detection rate = recall on injections; false-positive rate on benign rows)");
        writer.WriteLine($"{"source",-58} {"inj",5} {"det",5} {"benign",6} {"flag",5} {"detect",7} {"fp rate",7} {"prec",6} {"recall",6}");
        foreach (KeyValuePair<string, InjectionCounts> row in _bySource)
        {
            WriteInjectionRow(writer, row.Key, row.Value);
        }

        foreach (KeyValuePair<string, InjectionCounts> row in _byKind)
        {
            WriteInjectionRow(writer, "kind: " + row.Key, row.Value);
        }

        WriteInjectionRow(writer, "TOTAL", InjectionTotal);
        writer.WriteLine();
        writer.WriteLine("PII recognition (span-level: same entity type, same start and end)");
        writer.WriteLine($"{"entity type",-20} {"expected",8} {"found",6} {"correct",7} {"prec",6} {"recall",6}");
        foreach (KeyValuePair<string, PiiCounts> row in _byType)
        {
            WritePiiRow(writer, row.Key, row.Value);
        }

        WritePiiRow(writer, "TOTAL", PiiTotal);
    }

    /// <summary>Writes the report as one JSON object.</summary>
    /// <param name="stream">Where to write.</param>
    public void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("dataFolder", DataFolder);
        json.WriteStartObject("injection");
        json.WriteStartObject("bySource");
        foreach (KeyValuePair<string, InjectionCounts> row in _bySource)
        {
            WriteInjectionJson(json, row.Key, row.Value);
        }

        json.WriteEndObject();
        json.WriteStartObject("byKind");
        foreach (KeyValuePair<string, InjectionCounts> row in _byKind)
        {
            WriteInjectionJson(json, row.Key, row.Value);
        }

        json.WriteEndObject();
        WriteInjectionJson(json, "total", InjectionTotal);
        json.WriteEndObject();
        json.WriteStartObject("pii");
        json.WriteStartObject("byType");
        foreach (KeyValuePair<string, PiiCounts> row in _byType)
        {
            WritePiiJson(json, row.Key, row.Value);
        }

        json.WriteEndObject();
        WritePiiJson(json, "total", PiiTotal);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteInjectionRow(TextWriter writer, string name, InjectionCounts c) =>
        writer.WriteLine($"{Truncate(name, 58),-58} {c.Injections,5} {c.Detected,5} {c.Benign,6} {c.Flagged,5} {F(c.DetectionRate),7} {F(c.FalsePositiveRate),7} {F(c.Precision),6} {F(c.DetectionRate),6}");

    private static void WritePiiRow(TextWriter writer, string name, PiiCounts c) =>
        writer.WriteLine($"{name,-20} {c.Expected,8} {c.Found,6} {c.Correct,7} {F(c.Precision),6} {F(c.Recall),6}");

    private static void WriteInjectionJson(Utf8JsonWriter json, string name, InjectionCounts c)
    {
        json.WriteStartObject(name);
        json.WriteNumber("injections", c.Injections);
        json.WriteNumber("detected", c.Detected);
        json.WriteNumber("benign", c.Benign);
        json.WriteNumber("flagged", c.Flagged);
        WriteRate(json, "detectionRate", c.DetectionRate);
        WriteRate(json, "falsePositiveRate", c.FalsePositiveRate);
        WriteRate(json, "precision", c.Precision);
        WriteRate(json, "recall", c.DetectionRate);
        json.WriteEndObject();
    }

    private static void WritePiiJson(Utf8JsonWriter json, string name, PiiCounts c)
    {
        json.WriteStartObject(name);
        json.WriteNumber("expected", c.Expected);
        json.WriteNumber("found", c.Found);
        json.WriteNumber("correct", c.Correct);
        WriteRate(json, "precision", c.Precision);
        WriteRate(json, "recall", c.Recall);
        json.WriteEndObject();
    }

    private static void WriteRate(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, 4));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string F(double? value) => ScreeningEvaluation.Format(value);

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "…";

    private static InjectionCounts Get(SortedDictionary<string, InjectionCounts> map, string key)
    {
        if (!map.TryGetValue(key, out InjectionCounts? counts))
        {
            map[key] = counts = new InjectionCounts();
        }

        return counts;
    }

    private PiiCounts GetPii(string type)
    {
        if (!_byType.TryGetValue(type, out PiiCounts? counts))
        {
            _byType[type] = counts = new PiiCounts();
        }

        return counts;
    }
}

/// <summary>Injection counts of one group of rows.</summary>
internal sealed class InjectionCounts
{
    public int Injections { get; private set; }

    public int Detected { get; private set; }

    public int Benign { get; private set; }

    public int Flagged { get; private set; }

    /// <summary>Gets the share of injections detected (recall), or <see langword="null"/> without injections.</summary>
    public double? DetectionRate => Injections == 0 ? null : (double)Detected / Injections;

    /// <summary>Gets the share of benign rows flagged, or <see langword="null"/> without benign rows.</summary>
    public double? FalsePositiveRate => Benign == 0 ? null : (double)Flagged / Benign;

    /// <summary>Gets the share of flagged rows that are injections, or <see langword="null"/> when nothing was flagged.</summary>
    public double? Precision => Detected + Flagged == 0 ? null : (double)Detected / (Detected + Flagged);

    public void Add(bool isInjection, bool flagged)
    {
        if (isInjection)
        {
            Injections++;
            Detected += flagged ? 1 : 0;
        }
        else
        {
            Benign++;
            Flagged += flagged ? 1 : 0;
        }
    }
}

/// <summary>PII span counts of one entity type.</summary>
internal sealed class PiiCounts
{
    public int Expected { get; private set; }

    public int Recalled { get; private set; }

    public int Found { get; private set; }

    public int Correct { get; private set; }

    public double? Precision => Found == 0 ? null : (double)Correct / Found;

    public double? Recall => Expected == 0 ? null : (double)Recalled / Expected;

    public void AddExpected(bool found)
    {
        Expected++;
        Recalled += found ? 1 : 0;
    }

    public void AddFound(bool correct)
    {
        Found++;
        Correct += correct ? 1 : 0;
    }
}
