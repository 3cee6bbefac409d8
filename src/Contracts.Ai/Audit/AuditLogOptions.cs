using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>Options for the structured-log audit sink added by <c>AddAuditLog()</c>.</summary>
public sealed class AuditLogOptions
{
    /// <summary>Gets or sets how many records may wait to be logged; when the queue is full, the newest record is dropped and counted in <c>contracts_ai.audit.dropped</c>.</summary>
    /// <value>Defaults to 10,000. Must be at least 1.</value>
    public int Capacity { get; set; } = 10_000;

    /// <summary>Gets or sets the level decision records are logged at.</summary>
    /// <value>Defaults to <see cref="LogLevel.Information"/>.</value>
    public LogLevel Level { get; set; } = LogLevel.Information;

    internal void Validate()
    {
        if (Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "AuditLogOptions.Capacity must be at least 1.");
        }

        if (Level is < LogLevel.Trace or >= LogLevel.None)
        {
            throw new ArgumentOutOfRangeException(nameof(Level), Level, "AuditLogOptions.Level must be a level from Trace to Critical.");
        }
    }
}
