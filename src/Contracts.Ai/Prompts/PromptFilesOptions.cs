using System;
using System.Collections.Generic;
using System.Text.Json.Serialization.Metadata;

namespace Contracts.Ai;

/// <summary>Options for loading prompt files with <c>AddPromptsFromDirectory</c> or <c>AddPromptsFromEmbeddedResources</c>.</summary>
public sealed class PromptFilesOptions
{
    private readonly Dictionary<string, Func<PromptContract, PromptContract>> _outputTypes = new(StringComparer.Ordinal);

    /// <summary>Gets or sets a value indicating whether the directory is watched and changed files are loaded again while the app runs.</summary>
    /// <value>Defaults to <see langword="false"/>. Applies to directories only. A reload that finds errors logs them and keeps the contracts already loaded; an edited version that is already registered is rejected (publish a new version instead).</value>
    public bool ReloadOnChange { get; set; }

    /// <summary>Gets or sets the file name pattern of prompt files in a directory, or the name suffix of embedded resources.</summary>
    /// <value>Defaults to <c>*.prompty</c>.</value>
    public string SearchPattern { get; set; } = "*.prompty";

    /// <summary>Gets or sets a value indicating whether subdirectories are searched too.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool IncludeSubdirectories { get; set; } = true;

    internal IReadOnlyDictionary<string, Func<PromptContract, PromptContract>> OutputTypes => _outputTypes;

    /// <summary>Maps an <c>output_type</c> name used in prompt files to a CLR type, so answers are validated against its schema and parsed strictly into it.</summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="typeName">The name the files use, such as <c>SupportReply</c> or <c>MyApp.SupportReply</c>.</param>
    /// <param name="typeInfo">The type's JSON metadata, for example from a source-generated <c>JsonSerializerContext</c>; trimming and Native AOT safe.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="typeName"/> is null, empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    public PromptFilesOptions MapOutputType<T>(string typeName, JsonTypeInfo<T> typeInfo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        ArgumentNullException.ThrowIfNull(typeInfo);
        _outputTypes[typeName] = contract => contract.WithOutputType(typeInfo);
        return this;
    }

    internal void Validate(string source)
    {
        if (string.IsNullOrWhiteSpace(SearchPattern))
        {
            throw new ArgumentException($"PromptFilesOptions.SearchPattern must not be empty (prompt source {source}).");
        }
    }
}
