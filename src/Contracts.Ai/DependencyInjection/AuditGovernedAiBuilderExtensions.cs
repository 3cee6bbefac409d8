using System;
using Contracts.Ai;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers decision audit sinks: every governed call writes one <see cref="DecisionRecord"/> to each.</summary>
public static class AuditGovernedAiBuilderExtensions
{
    /// <summary>Writes every decision record as a structured log entry (category <c>Contracts.Ai.Audit</c>).</summary>
    /// <param name="builder">The builder <c>AddGovernedAi()</c> returned.</param>
    /// <param name="configure">Configures the sink's options.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IGovernedAiBuilder AddAuditLog(this IGovernedAiBuilder builder, Action<AuditLogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new AuditLogOptions();
        configure?.Invoke(options);
        options.Validate();
        builder.Services.AddSingleton<IAuditSink>(sp => new LoggerAuditSink(options, CreateLogger(sp, LoggerAuditSink.Category)));
        return builder;
    }

    /// <summary>Writes every decision record as one JSON line to the file at <paramref name="path"/>, rotating it by size.</summary>
    /// <param name="builder">The builder <c>AddGovernedAi()</c> returned.</param>
    /// <param name="path">The file, such as <c>audit/decisions.jsonl</c>; a relative path is relative to the current directory. Its folder is created when missing.</param>
    /// <param name="configure">Configures rotation and queueing.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <remarks>A folder that cannot be written never fails a governed call: the records are counted in <c>contracts_ai.audit.failures</c> and logged.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IGovernedAiBuilder AddAuditFile(this IGovernedAiBuilder builder, string path, Action<AuditFileOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var options = new AuditFileOptions();
        configure?.Invoke(options);
        options.Validate();
        builder.Services.AddSingleton<IAuditSink>(sp => new JsonLinesFileAuditSink(path, options, CreateLogger(sp, LoggerAuditSink.Category)));
        return builder;
    }

    /// <summary>Writes every decision record to <paramref name="sink"/>.</summary>
    /// <param name="builder">The builder <c>AddGovernedAi()</c> returned.</param>
    /// <param name="sink">The sink; it must be thread-safe and must not block.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="sink"/> is <see langword="null"/>.</exception>
    public static IGovernedAiBuilder AddAuditSink(this IGovernedAiBuilder builder, IAuditSink sink)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sink);
        builder.Services.AddSingleton(sink);
        return builder;
    }

    private static ILogger CreateLogger(IServiceProvider services, string category) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(category) ?? NullLogger.Instance;
}
