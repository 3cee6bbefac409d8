using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>A prompt source added with <c>AddPromptsFromDirectory</c> or <c>AddPromptsFromEmbeddedResources</c>.</summary>
internal sealed record PromptSourceRegistration(PromptSource Source);

/// <summary>Loads prompt files into the registry when it is created, and again on change when a source asks for it.</summary>
internal sealed partial class PromptLoader : IPromptRegistrySeed, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly PromptSource[] _sources;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _watchers = new();
    private readonly object _reloadGate = new();
    private List<PromptFile>? _files;
    private bool _disposed;

    // Where the files put each label at the last load: a reload moves only the labels whose files changed, so
    // an edit elsewhere never undoes a label moved at run time (by an operator, or on another instance).
    private Dictionary<(string ContractId, string Label), string> _fileLabels = new();

    public PromptLoader(IServiceProvider services)
    {
        _services = services;
        var sources = new List<PromptSource>();
        foreach (PromptSourceRegistration registration in services.GetServices<PromptSourceRegistration>())
        {
            sources.Add(registration.Source);
        }

        _sources = sources.ToArray();
        _timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _logger = services.GetService<ILoggerFactory>()?.CreateLogger("Contracts.Ai.Prompts") ?? NullLogger.Instance;
    }

    /// <summary>Loads the prompt files into the registry when it is created, and starts watching the directories that reload on change.</summary>
    /// <exception cref="PromptFileException">Any file is invalid; lists every problem of every file, and nothing is registered.</exception>
    public void Seed(InMemoryPromptRegistry registry)
    {
        Load(registry);
        Watch(registry);
    }

    /// <summary>Loads every source into <paramref name="registry"/>.</summary>
    /// <exception cref="PromptFileException">Any file is invalid; lists every problem of every file, and nothing is registered.</exception>
    public void Load(IPromptRegistry registry)
    {
        List<PromptFile> files = GetFiles();
        var errors = new List<PromptFileError>();
        Apply(registry, files, errors);
        if (errors.Count > 0)
        {
            errors.Sort(PromptFileError.CompareByPosition);
            throw new PromptFileException(errors);
        }

        LogLoaded(_logger, files.Count, _sources.Length);
    }

    /// <summary>Gets the prompt files as the app started with them: read and checked once, then shared by the registry and the rollouts.</summary>
    /// <exception cref="PromptFileException">Any file is invalid; lists every problem of every file.</exception>
    public List<PromptFile> GetFiles()
    {
        lock (_reloadGate)
        {
            if (_files is null)
            {
                var errors = new List<PromptFileError>();
                List<PromptFile> files = ReadAll(errors);
                if (errors.Count > 0)
                {
                    errors.Sort(PromptFileError.CompareByPosition);
                    throw new PromptFileException(errors);
                }

                _files = files;
            }

            return _files;
        }
    }

    /// <summary>Adds the rollouts the files declare to <paramref name="routing"/>, except for contracts that already have one (configured in code or configuration).</summary>
    /// <exception cref="PromptFileException">Any file is invalid.</exception>
    public void AddRollouts(PromptRoutingOptions routing)
    {
        foreach (PromptFile file in GetFiles())
        {
            if (file.Rollout is not { } declared || routing.Rollouts is null || routing.Rollouts.ContainsKey(file.Contract.Id))
            {
                continue;
            }

            var rollout = new RolloutOptions { Label = declared.Label, ShadowVersion = declared.ShadowVersion };
            foreach ((string version, double weight) in declared.Weights)
            {
                rollout.Variants.Add(new RolloutVariant { Version = version, Weight = weight });
            }

            routing.Rollouts[file.Contract.Id] = rollout;
        }
    }

    public void Dispose()
    {
        lock (_reloadGate)
        {
            _disposed = true;
            foreach (IDisposable watcher in _watchers)
            {
                watcher.Dispose();
            }

            _watchers.Clear();
        }
    }

    private List<PromptFile> ReadAll(List<PromptFileError> errors)
    {
        var files = new List<PromptFile>();
        foreach (PromptSource source in _sources)
        {
            files.AddRange(source.Read(_services, errors));
        }

        var warnings = new List<PromptFileError>();
        PromptCatalog.Validate(files, _timeProvider.GetUtcNow(), errors, warnings);
        foreach (PromptFileError warning in warnings)
        {
            LogWarning(_logger, warning.ToString());
        }

        return files;
    }

    private void Apply(IPromptRegistry registry, List<PromptFile> files, List<PromptFileError> errors)
    {
        foreach (PromptFile file in files)
        {
            try
            {
                registry.Register(file.Contract);
            }
            catch (InvalidOperationException ex)
            {
                errors.Add(file.ErrorAt("version", ex.Message, "registry-conflict"));
            }
            catch (ContractDefinitionException ex)
            {
                foreach (string problem in ex.Problems)
                {
                    errors.Add(file.ErrorAt("front matter", problem + ".", "contract-invalid"));
                }
            }
            catch (ArgumentException ex)
            {
                errors.Add(file.ErrorAt("front matter", ex.Message, "contract-invalid"));
            }
        }

        if (errors.Count > 0)
        {
            return;
        }

        var declared = new Dictionary<(string ContractId, string Label), string>();
        foreach (PromptFile file in files)
        {
            foreach (string label in file.Labels)
            {
                (string, string) key = (file.Contract.Id, label);
                declared[key] = file.Contract.Version;
                if (!_fileLabels.TryGetValue(key, out string? before) || !string.Equals(before, file.Contract.Version, StringComparison.Ordinal))
                {
                    registry.SetLabel(file.Contract.Id, label, file.Contract.Version);
                }
            }
        }

        _fileLabels = declared;
    }

    private void Watch(IPromptRegistry registry)
    {
        foreach (PromptSource source in _sources)
        {
            if (source is not DirectoryPromptSource { Options.ReloadOnChange: true } directory)
            {
                continue;
            }

            var watcher = new FileSystemWatcher(directory.Resolve(_services), directory.Options.SearchPattern)
            {
                IncludeSubdirectories = directory.Options.IncludeSubdirectories,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };

            // Editors write a file in several steps: reload once the burst of events is over.
            ITimer debounce = _timeProvider.CreateTimer(_ => Reload(registry), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            FileSystemEventHandler changed = (_, _) => debounce.Change(TimeSpan.FromMilliseconds(250), Timeout.InfiniteTimeSpan);
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Deleted += changed;
            watcher.Renamed += (sender, e) => changed(sender, e);
            watcher.EnableRaisingEvents = true;
            lock (_reloadGate)
            {
                _watchers.Add(watcher);
                _watchers.Add(debounce);
            }
        }
    }

    private void Reload(IPromptRegistry registry)
    {
        lock (_reloadGate)
        {
            if (_disposed)
            {
                return;
            }

            var errors = new List<PromptFileError>();
            List<PromptFile> files;
            try
            {
                files = ReadAll(errors);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Runs on a timer thread: a directory that vanished mid-edit must not take the app down.
                LogReloadFailed(_logger, 1, ex.Message);
                return;
            }

            if (errors.Count == 0)
            {
                Apply(registry, files, errors);
            }

            if (errors.Count > 0)
            {
                errors.Sort(PromptFileError.CompareByPosition);
                LogReloadFailed(_logger, errors.Count, string.Join(Environment.NewLine, errors));
                return;
            }

            LogReloaded(_logger, files.Count);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Loaded {Count} prompt file(s) from {Sources} source(s).")]
    private static partial void LogLoaded(ILogger logger, int count, int sources);

    [LoggerMessage(2, LogLevel.Warning, "Prompt file warning: {Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);

    [LoggerMessage(3, LogLevel.Error, "Prompt files changed but were not reloaded ({Count} error(s)); the contracts already loaded stay in use:\n{Errors}")]
    private static partial void LogReloadFailed(ILogger logger, int count, string errors);

    [LoggerMessage(4, LogLevel.Information, "Reloaded {Count} prompt file(s).")]
    private static partial void LogReloaded(ILogger logger, int count);
}

/// <summary>Adds the rollouts prompt files declare to the routing options; runs after every <c>Configure</c>, so rollouts from code and configuration win.</summary>
internal sealed class PromptRolloutsConfiguration(PromptLoader loader) : IPostConfigureOptions<GovernedAiOptions>
{
    public void PostConfigure(string? name, GovernedAiOptions options)
    {
        if (options.Routing is not null)
        {
            loader.AddRollouts(options.Routing);
        }
    }
}

/// <summary>Creates the prompt registry when the host starts, so invalid prompt files fail the start instead of the first call.</summary>
internal sealed class PromptFilesStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<IPromptRegistry>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
