using System;
using System.Collections.Generic;
using System.IO;

namespace Contracts.Ai.Cli;

/// <summary>The prompt files of a folder, parsed and checked together, with every problem found.</summary>
internal sealed class PromptFolder
{
    public const string SearchPattern = "*.prompty";

    private PromptFolder(string directory, int fileCount, List<PromptFile> files, List<PromptFileText> texts, List<Diagnostic> diagnostics)
    {
        Texts = texts;
        Directory = directory;
        FileCount = fileCount;
        Files = files;
        Diagnostics = diagnostics;
    }

    public string Directory { get; }

    /// <summary>Gets how many prompt files the folder holds, valid or not.</summary>
    public int FileCount { get; }

    /// <summary>Gets the files that parsed.</summary>
    public List<PromptFile> Files { get; }

    /// <summary>Gets the verbatim text (template, fallback, samples) of every file, valid or not, for the security checks.</summary>
    public List<PromptFileText> Texts { get; }

    public List<Diagnostic> Diagnostics { get; }

    public static PromptFolder Load(string directory, DateTimeOffset now)
    {
        var errors = new List<PromptFileError>();
        var warnings = new List<PromptFileError>();
        var files = new List<PromptFile>();
        var texts = new List<PromptFileText>();
        string[] paths = System.IO.Directory.GetFiles(directory, SearchPattern, SearchOption.AllDirectories);
        Array.Sort(paths, StringComparer.Ordinal);
        foreach (string path in paths)
        {
            if (PromptFileParser.Parse(File.ReadAllText(path), path, errors, texts) is { } file)
            {
                files.Add(file);
            }
        }

        PromptCatalog.Validate(files, now, errors, warnings);
        var diagnostics = new List<Diagnostic>(errors.Count + warnings.Count);
        foreach (PromptFileError error in errors)
        {
            diagnostics.Add(Diagnostic.From(error));
        }

        foreach (PromptFileError warning in warnings)
        {
            diagnostics.Add(Diagnostic.From(warning, Diagnostic.Warning));
        }

        return new PromptFolder(directory, paths.Length, files, texts, diagnostics);
    }
}
