using System;

namespace Contracts.Ai;

/// <summary>Options for the JSON Lines file audit sink added by <c>AddAuditFile(path)</c>.</summary>
public sealed class AuditFileOptions
{
    /// <summary>Gets or sets how many records may wait to be written; when the queue is full, the newest record is dropped and counted in <c>contracts_ai.audit.dropped</c>.</summary>
    /// <value>Defaults to 10,000. Must be at least 1.</value>
    public int Capacity { get; set; } = 10_000;

    /// <summary>Gets or sets the size at which the file is rotated: the next record goes to a fresh file.</summary>
    /// <value>Defaults to 10 MiB. Must be at least 1 KiB.</value>
    public long MaxFileSizeBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Gets or sets how many rotated files (<c>name.1.jsonl</c>, <c>name.2.jsonl</c>, ...) are kept besides the current one; older ones are deleted.</summary>
    /// <value>Defaults to 10. Must be at least 1.</value>
    public int MaxRetainedFiles { get; set; } = 10;

    internal void Validate()
    {
        if (Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "AuditFileOptions.Capacity must be at least 1.");
        }

        if (MaxFileSizeBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFileSizeBytes), MaxFileSizeBytes, "AuditFileOptions.MaxFileSizeBytes must be at least 1024.");
        }

        if (MaxRetainedFiles < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetainedFiles), MaxRetainedFiles, "AuditFileOptions.MaxRetainedFiles must be at least 1.");
        }
    }
}
