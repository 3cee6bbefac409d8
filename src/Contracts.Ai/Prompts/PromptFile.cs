using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// One prompt file: a contract version written as YAML front matter between <c>---</c> lines
/// followed by the template, compatible with the Prompty basics and extended with the contract fields.
/// </summary>
/// <remarks>
/// Parse one with <see cref="Parse"/> or <see cref="Load"/>; load a folder into the registry with
/// <c>AddGovernedAi().AddPromptsFromDirectory("prompts")</c>. Instances are immutable after parsing.
/// </remarks>
public sealed class PromptFile
{
    private readonly Dictionary<string, (int Line, int Column)> _positions;

    internal PromptFile(string path, PromptContract contract, Dictionary<string, (int Line, int Column)> positions)
    {
        Path = path;
        Contract = contract;
        _positions = positions;
    }

    /// <summary>Gets the file's path, or the embedded resource's name.</summary>
    public string Path { get; }

    /// <summary>Gets the contract the file declares. Its <see cref="PromptContract.OutputSchema"/> is <see langword="null"/> until an <see cref="OutputTypeName"/> is resolved by the loader.</summary>
    public PromptContract Contract { get; }

    /// <summary>Gets the Prompty <c>name</c>, or <see langword="null"/>.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the authors the file lists.</summary>
    public IReadOnlyList<string> Authors { get; init; } = Array.Empty<string>();

    /// <summary>Gets the risk level (<c>low</c>, <c>medium</c>, <c>high</c> or <c>critical</c>), or <see langword="null"/>; also in the contract's tags as <c>risk</c>.</summary>
    public string? Risk { get; init; }

    /// <summary>Gets the CLR type name the answer must deserialize to (<c>output_type</c>), or <see langword="null"/>.</summary>
    public string? OutputTypeName { get; init; }

    /// <summary>Gets the model the prompt is written for (<c>model.id</c>, or Prompty's <c>model.configuration.name</c>), or <see langword="null"/>.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the model's context window in tokens (<c>model.context_window</c>), or <see langword="null"/> when not declared.</summary>
    public int? ContextWindowTokens { get; init; }

    /// <summary>Gets the labels (such as <c>production</c>) this version holds when loaded.</summary>
    public IReadOnlyList<string> Labels { get; init; } = Array.Empty<string>();

    /// <summary>Gets the rollout the file declares, or <see langword="null"/>.</summary>
    public PromptRollout? Rollout { get; init; }

    /// <summary>Gets the Prompty <c>sample</c>: example input values, by input name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Sample { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>Gets the 1-based line in the file where the template starts.</summary>
    public int TemplateLine { get; init; } = 1;

    /// <summary>Parses the text of a prompt file.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="path">The file's path or resource name, used in error messages.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="PromptFileException">The file is invalid; <see cref="PromptFileException.Errors"/> lists every problem with its line and field.</exception>
    public static PromptFile Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(path);
        var errors = new List<PromptFileError>();
        PromptFile? file = PromptFileParser.Parse(text, path, errors);
        if (errors.Count > 0 || file is null)
        {
            errors.Sort(PromptFileError.CompareByPosition);
            throw new PromptFileException(errors);
        }

        return file;
    }

    /// <summary>Reads and parses a prompt file.</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="PromptFileException">The file is invalid.</exception>
    public static PromptFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Gets where a front-matter field is in the file, or the start of the file when it is absent.</summary>
    internal (int Line, int Column) PositionOf(string field) =>
        _positions.TryGetValue(field, out (int Line, int Column) position) ? position : (1, 1);

    internal PromptFileError ErrorAt(string field, string message, string code)
    {
        (int line, int column) = PositionOf(field);
        return new PromptFileError(Path, line, column, field, message) { Code = code };
    }
}
