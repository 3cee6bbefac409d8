using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>The result of validating a document against a <see cref="CompiledJsonSchema"/>.</summary>
/// <remarks>Instances are immutable and safe to share between threads.</remarks>
public sealed class SchemaValidationResult
{
    /// <summary>Gets a result with no errors.</summary>
    public static SchemaValidationResult Valid { get; } = new(Array.Empty<SchemaValidationError>());

    /// <summary>Initializes a new instance of the <see cref="SchemaValidationResult"/> class.</summary>
    /// <param name="errors">The errors found; empty for a valid document.</param>
    /// <exception cref="ArgumentNullException"><paramref name="errors"/> is <see langword="null"/>.</exception>
    public SchemaValidationResult(IReadOnlyList<SchemaValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        Errors = errors;
    }

    /// <summary>Gets a value indicating whether the document is valid.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Gets every error found, in document order of discovery.</summary>
    public IReadOnlyList<SchemaValidationError> Errors { get; }
}
