using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// A JSON Schema (draft 2020-12) compiled once into a validator that checks documents without
/// re-walking the schema per value. Used for contract outputs and tool arguments and outputs.
/// </summary>
/// <remarks>
/// <para>
/// The compiled validator implements the keywords structured outputs and tool schemas use: <c>type</c>,
/// <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>patternProperties</c>, <c>enum</c>,
/// <c>const</c>, <c>items</c>, <c>prefixItems</c>, <c>anyOf</c>, <c>oneOf</c>, <c>allOf</c>, <c>not</c>,
/// <c>$ref</c> / <c>$defs</c> / <c>$anchor</c> within the document, the numeric, length and count limits,
/// <c>pattern</c>, <c>uniqueItems</c>, and boolean schemas. <c>format</c> and the other annotation keywords
/// are not asserted. A schema using any other keyword (for example <c>if</c>, <c>unevaluatedProperties</c>
/// or a remote <c>$ref</c>) is evaluated by JsonSchema.Net instead; see <see cref="UsesFallback"/>.
/// </para>
/// <para>Compiled schemas are immutable and safe to share between threads.</para>
/// </remarks>
public sealed class CompiledJsonSchema
{
    private readonly SchemaNode? _root;
    private readonly FallbackJsonSchema? _fallback;
    private readonly long _patternBudgetMilliseconds;
    private readonly TimeProvider _clock;

    private CompiledJsonSchema(JsonElement schema, SchemaNode? root, FallbackJsonSchema? fallback, TimeSpan patternBudget, TimeProvider clock)
    {
        _clock = clock;
        Schema = schema;
        _root = root;
        _fallback = fallback;
        _patternBudgetMilliseconds = Math.Max(1, (long)Math.Ceiling(patternBudget.TotalMilliseconds));
    }

    /// <summary>Gets the schema this validator was compiled from.</summary>
    public JsonElement Schema { get; }

    /// <summary>
    /// Gets a value indicating whether the schema uses keywords outside the compiled subset and is
    /// therefore evaluated by JsonSchema.Net, which is correct but much slower.
    /// </summary>
    public bool UsesFallback => _fallback is not null;

    /// <summary>Compiles a JSON Schema (draft 2020-12).</summary>
    /// <param name="schema">The schema: an object or a boolean. It is copied, so the caller's document may be disposed.</param>
    /// <returns>The compiled validator.</returns>
    /// <exception cref="ArgumentException">
    /// The schema is not a valid JSON Schema (for example a wrong keyword value, an unresolvable local
    /// <c>$ref</c> or a regular expression that does not parse); the message names the schema location.
    /// </exception>
    public static CompiledJsonSchema Compile(JsonElement schema) => Compile(schema, SchemaCompiler.DefaultPatternBudget);

    /// <summary>Compiles a schema with a given total time for the regular-expression matches of one validation.</summary>
    internal static CompiledJsonSchema Compile(JsonElement schema, TimeSpan patternBudget) => Compile(schema, patternBudget, TimeProvider.System);

    /// <summary>Compiles a schema whose pattern budget is measured on <paramref name="clock"/>.</summary>
    internal static CompiledJsonSchema Compile(JsonElement schema, TimeSpan patternBudget, TimeProvider clock)
    {
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            throw new ArgumentException("Invalid JSON Schema at '#': a schema must be an object or a boolean.", nameof(schema));
        }

        JsonElement copy = schema.Clone();
        try
        {
            return new CompiledJsonSchema(copy, SchemaCompiler.Compile(copy, patternBudget), fallback: null, patternBudget, clock);
        }
        catch (UnsupportedSchemaException)
        {
            // Fall through: the fallback evaluates this schema.
        }
        catch (ArgumentException e) when (e.ParamName is null)
        {
            throw new ArgumentException(e.Message, nameof(schema), e);
        }

        try
        {
            SchemaCompiler.CheckLocalReferences(copy);
        }
        catch (ArgumentException e) when (e.ParamName is null)
        {
            throw new ArgumentException(e.Message, nameof(schema), e);
        }

        return new CompiledJsonSchema(copy, root: null, FallbackJsonSchema.Build(copy, patternBudget), patternBudget, clock);
    }

    /// <summary>Validates a document and reports every error found.</summary>
    /// <remarks>
    /// The <c>pattern</c> and <c>patternProperties</c> matches of one validation share a time budget of 2 seconds in
    /// total; patterns without backreferences or lookarounds run on the linear-time non-backtracking engine. A
    /// match that runs out of the budget, and every match after it, fails validation with an error saying so,
    /// rather than passing. A string holding a lone surrogate escape (<c>"\ud800"</c>) is an error where its text
    /// is needed (<c>pattern</c>, lengths, <c>enum</c>, <c>const</c>), never an exception.
    /// </remarks>
    /// <param name="instance">The document.</param>
    /// <exception cref="InvalidOperationException">
    /// The schema is evaluated by JsonSchema.Net (<see cref="UsesFallback"/>) and turns out to be unusable
    /// for this document, for example a reference that cannot be resolved.
    /// </exception>
    /// <returns>
    /// The result, with every error found, each with its JSON path and keyword. For a valid document
    /// this is <see cref="SchemaValidationResult.Valid"/>, and the compiled validator allocates nothing.
    /// </returns>
    public SchemaValidationResult Validate(JsonElement instance) => Validate(instance, _patternBudgetMilliseconds, out _);

    /// <summary>Validates a document and tells how many pattern matches ran (a match skipped for want of budget did not).</summary>
    internal SchemaValidationResult Validate(JsonElement instance, out int patternEvaluations) => Validate(instance, _patternBudgetMilliseconds, out patternEvaluations);

    /// <summary>Validates a document with at most <paramref name="patternBudget"/> for its pattern matches (when shorter than the schema's).</summary>
    internal SchemaValidationResult Validate(JsonElement instance, TimeSpan patternBudget) =>
        Validate(instance, Math.Clamp((long)Math.Ceiling(patternBudget.TotalMilliseconds), 1, _patternBudgetMilliseconds), out _);

    private SchemaValidationResult Validate(JsonElement instance, long patternBudgetMilliseconds, out int patternEvaluations)
    {
        if (_fallback is not null)
        {
            return _fallback.Validate(instance, patternBudgetMilliseconds, _clock, out patternEvaluations);
        }

        ValidationState state = ValidationState.Rent(collecting: true, patternBudgetMilliseconds, _clock);
        try
        {
            _root!.Validate(instance, state);
            patternEvaluations = state.PatternEvaluations;
            List<SchemaValidationError>? errors = state.TakeErrors();
            return errors is null ? SchemaValidationResult.Valid : new SchemaValidationResult(errors);
        }
        finally
        {
            ValidationState.Return(state);
        }
    }

    /// <summary>Checks whether a document is valid, stopping at the first error and reporting none.</summary>
    /// <param name="instance">The document.</param>
    /// <returns><see langword="true"/> when the document is valid.</returns>
    /// <exception cref="InvalidOperationException">
    /// The schema is evaluated by JsonSchema.Net (<see cref="UsesFallback"/>) and turns out to be unusable
    /// for this document, for example a reference that cannot be resolved.
    /// </exception>
    public bool IsValid(JsonElement instance)
    {
        if (_fallback is not null)
        {
            return _fallback.IsValid(instance, _patternBudgetMilliseconds, _clock);
        }

        ValidationState state = ValidationState.Rent(collecting: false, _patternBudgetMilliseconds, _clock);
        try
        {
            return _root!.Validate(instance, state);
        }
        finally
        {
            ValidationState.Return(state);
        }
    }
}
