using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Ai;

/// <summary>Where prompt files come from: a directory or an assembly's embedded resources.</summary>
internal abstract class PromptSource(PromptFilesOptions options)
{
    public PromptFilesOptions Options { get; } = options;

    /// <summary>Reads and parses every prompt file of the source; problems go to <paramref name="errors"/>.</summary>
    public List<PromptFile> Read(IServiceProvider? services, List<PromptFileError> errors)
    {
        var files = new List<PromptFile>();
        foreach ((string name, string text) in Enumerate(services, errors))
        {
            int before = errors.Count;
            PromptFile? file = PromptFileParser.Parse(text, name, errors);
            if (file is null || errors.Count > before)
            {
                continue;
            }

            if (file.OutputTypeName is { } typeName)
            {
                if (!Options.OutputTypes.TryGetValue(typeName, out Func<PromptContract, PromptContract>? apply))
                {
                    errors.Add(file.ErrorAt("output_type", $"output type '{typeName}' is not mapped: map it with options.MapOutputType(\"{typeName}\", MyJsonContext.Default.MyType) in AddPromptsFrom...().", "output-type-unmapped"));
                    continue;
                }

                apply(file.Contract);
            }

            files.Add(file);
        }

        return files;
    }

    protected abstract IEnumerable<(string Name, string Text)> Enumerate(IServiceProvider? services, List<PromptFileError> errors);
}

/// <summary>Prompt files in a directory.</summary>
internal sealed class DirectoryPromptSource(string path, PromptFilesOptions options) : PromptSource(options)
{
    public string Path { get; } = path;

    /// <summary>Finds the directory: as given when absolute; else under the host's content root, the app's base directory, or the current directory, the first that exists.</summary>
    public string Resolve(IServiceProvider? services)
    {
        if (System.IO.Path.IsPathRooted(Path))
        {
            return Path;
        }

        string? contentRoot = services?.GetService<IHostEnvironment>()?.ContentRootPath;
        foreach (string? root in new[] { contentRoot, AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            if (root is not null && Directory.Exists(System.IO.Path.Combine(root, Path)))
            {
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(root, Path));
            }
        }

        return System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot ?? AppContext.BaseDirectory, Path));
    }

    protected override IEnumerable<(string Name, string Text)> Enumerate(IServiceProvider? services, List<PromptFileError> errors)
    {
        string directory = Resolve(services);
        if (!Directory.Exists(directory))
        {
            errors.Add(new PromptFileError(directory, 1, 1, "directory", $"the prompt directory '{Path}' does not exist (looked under the content root, the app's base directory and the current directory).") { Code = "source-missing" });
            return Array.Empty<(string, string)>();
        }

        string[] paths = Directory.GetFiles(directory, Options.SearchPattern, Options.IncludeSubdirectories ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly);
        Array.Sort(paths, StringComparer.Ordinal);
        var files = new List<(string, string)>(paths.Length);
        foreach (string file in paths)
        {
            try
            {
                files.Add((file, File.ReadAllText(file)));
            }
            catch (IOException ex)
            {
                errors.Add(new PromptFileError(file, 1, 1, "file", "cannot be read: " + ex.Message) { Code = "source-missing" });
            }
            catch (UnauthorizedAccessException ex)
            {
                errors.Add(new PromptFileError(file, 1, 1, "file", "cannot be read: " + ex.Message) { Code = "source-missing" });
            }
        }

        return files;
    }
}

/// <summary>Prompt files embedded in an assembly.</summary>
internal sealed class EmbeddedPromptSource(Assembly assembly, string prefix, PromptFilesOptions options) : PromptSource(options)
{
    protected override IEnumerable<(string Name, string Text)> Enumerate(IServiceProvider? services, List<PromptFileError> errors)
    {
        string suffix = Options.SearchPattern.StartsWith('*') ? Options.SearchPattern[1..] : Options.SearchPattern;
        string[] names = assembly.GetManifestResourceNames();
        Array.Sort(names, StringComparer.Ordinal);
        var files = new List<(string, string)>();
        foreach (string name in names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            files.Add((name, reader.ReadToEnd()));
        }

        if (files.Count == 0)
        {
            errors.Add(new PromptFileError(assembly.GetName().Name + ":" + prefix, 1, 1, "resources", $"no embedded resource of assembly '{assembly.GetName().Name}' starts with '{prefix}' and ends with '{suffix}'. Embed the files with <EmbeddedResource Include=\"prompts/**/*.prompty\" />.") { Code = "source-missing" });
        }

        return files;
    }
}
