using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using Json.Pointer;
using Json.Schema;
using Json.Schema.Keywords;

namespace Contracts.Ai;

/// <summary>
/// The <c>pattern</c> and <c>patternProperties</c> keywords for schemas JsonSchema.Net evaluates, run on
/// <see cref="SchemaPattern"/>: ECMA-262 semantics as in the compiled validator, the non-backtracking engine where the
/// pattern allows, and every match under the validation's one time budget (JsonSchema.Net's own handlers match without
/// any time limit); and the <c>format</c> keyword, which these dialects only annotate: its check (regular expressions,
/// parsers, compiling the string as a regular expression for <c>regex</c>) could not change the outcome, so it is not
/// run at all, and where an evaluation does require format validation it runs only while the budget lasts.
/// </summary>
/// <remarks>
/// The handlers replace JsonSchema.Net's in a dialect built per schema, never in its global registries, so an app's own
/// use of JsonSchema.Net is untouched. The budget travels in <see cref="Current"/>, set for the duration of one evaluation
/// (which runs synchronously on the calling thread).
/// </remarks>
internal static class BudgetedPatternKeywords
{
    [ThreadStatic]
    private static ValidationState? t_current;

    /// <summary>Gets the state of the evaluation running on this thread, whose pattern budget the handlers draw from.</summary>
    public static ValidationState? Current => t_current;

    /// <summary>Makes <paramref name="state"/> current until the returned scope is disposed.</summary>
    public static Scope Enter(ValidationState state)
    {
        ValidationState? previous = t_current;
        t_current = state;
        return new Scope(previous);
    }

    /// <summary>Builds the dialects a fallback schema may be written in, with the budgeted handlers in place of JsonSchema.Net's.</summary>
    public static (Dialect Default, DialectRegistry Registry) Dialects(TimeSpan budget)
    {
        // With() replaces the handlers of the same names; the replacements keep JsonSchema.Net's types where other keywords
        // depend on them (additionalProperties and unevaluatedProperties read what patternProperties matched).
        IKeywordHandler[] budgeted = [new Pattern(budget), new PatternProperties(budget), new Format()];
        var registry = new DialectRegistry();
        Dialect? draft202012 = null;
        foreach (Dialect dialect in new[] { Dialect.Draft06, Dialect.Draft07, Dialect.Draft201909, Dialect.Draft202012 })
        {
            Dialect replacement = dialect.With(budgeted, dialect.Id);
            registry.Register(replacement);
            if (ReferenceEquals(dialect, Dialect.Draft202012))
            {
                draft202012 = replacement;
            }
        }

        return (draft202012!, registry);
    }

    private static ValidationState StateOrThrow() =>
        t_current ?? throw new InvalidOperationException("A budgeted pattern keyword was evaluated outside a fallback validation.");

    /// <summary>Restores the state that was current before <see cref="Enter"/>.</summary>
    public readonly struct Scope(ValidationState? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }

    private sealed class Pattern(TimeSpan budget) : IKeywordHandler
    {
        public string Name => "pattern";

        public object? ValidateKeywordValue(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                throw new JsonSchemaException($"'pattern' value must be a string, found {value.ValueKind}");
            }

            return SchemaPattern.CreateForFallback(value.GetString()!, budget);
        }

        public void BuildSubschemas(KeywordData keyword, BuildContext context)
        {
        }

        public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            if (context.Instance.ValueKind != JsonValueKind.String)
            {
                return KeywordEvaluation.Ignore;
            }

            var pattern = (SchemaPattern)keyword.Value!;
            ValidationState state = StateOrThrow();
            PatternOutcome outcome = pattern.Match(context.Instance, state);
            return outcome == PatternOutcome.Match
                ? new KeywordEvaluation { Keyword = Name, IsValid = true }
                : new KeywordEvaluation
                {
                    Keyword = Name,
                    IsValid = false,
                    Error = SchemaMessages.Describe(outcome, pattern, state, "the value does not match the pattern '" + SchemaMessages.Shorten(pattern.Source) + "'"),
                };
        }
    }

    private sealed class Format : FormatKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            if (!context.Options.RequireFormatValidation)
            {
                // An annotation: its check could not change the outcome, and a hostile string would cost its full time.
                return new KeywordEvaluation { Keyword = Name, IsValid = true, Annotation = keyword.RawValue };
            }

            ValidationState state = StateOrThrow();
            if (state.PatternTimeLeft() <= 0)
            {
                return new KeywordEvaluation
                {
                    Keyword = Name,
                    IsValid = false,
                    Error = "the format '" + SchemaMessages.Shorten(keyword.RawValue.GetString() ?? string.Empty) +
                        "' was not checked: earlier checks used up the time budget for patterns (" + state.PatternBudgetMilliseconds + " ms per validation)",
                };
            }

            return base.Evaluate(keyword, context);
        }
    }

    private sealed class PatternProperties(TimeSpan budget) : PatternPropertiesKeyword
    {
        public override object? ValidateKeywordValue(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw new JsonSchemaException($"'patternProperties' value must be an object, found {value.ValueKind}");
            }

            var patterns = new Dictionary<string, SchemaPattern>(StringComparer.Ordinal);
            foreach (JsonProperty entry in value.EnumerateObject())
            {
                if (entry.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
                {
                    throw new JsonSchemaException("'patternProperties' values must be valid schemas");
                }

                patterns[entry.Name] = SchemaPattern.CreateForFallback(entry.Name, budget);
            }

            return patterns;
        }

        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            if (context.Instance.ValueKind != JsonValueKind.Object)
            {
                return KeywordEvaluation.Ignore;
            }

            var patterns = (Dictionary<string, SchemaPattern>)keyword.Value!;
            ValidationState state = StateOrThrow();
            var evaluations = new List<EvaluationResults>();
            var matched = new List<string>();
            string? unmatchable = null;
            bool valid = true;
            foreach (JsonSchemaNode subschema in keyword.Subschemas)
            {
                string source = subschema.RelativePath[subschema.RelativePath.SegmentCount - 1].ToString();
                SchemaPattern pattern = patterns[source];
                JsonPointer evaluationPath = context.EvaluationPath.Combine(Name, source);
                foreach (JsonProperty property in context.Instance.EnumerateObject())
                {
                    PatternOutcome outcome = pattern.Match(property, state);
                    if (outcome != PatternOutcome.Match)
                    {
                        if (outcome != PatternOutcome.NoMatch)
                        {
                            // Fail closed: a name the pattern could not be run on is neither matched nor let through.
                            valid = false;
                            unmatchable ??= SchemaMessages.Describe(outcome, pattern, state, string.Empty);
                            if (context.CanOptimize)
                            {
                                return new KeywordEvaluation { Keyword = Name, IsValid = false, Error = unmatchable };
                            }
                        }

                        continue;
                    }

                    if (!matched.Contains(property.Name))
                    {
                        matched.Add(property.Name);
                    }

                    EvaluationContext propertyContext = context with
                    {
                        InstanceLocation = context.InstanceLocation.Combine(property.Name),
                        Instance = property.Value,
                        EvaluationPath = evaluationPath,
                    };
                    EvaluationResults result = subschema.Evaluate(propertyContext);
                    evaluations.Add(result);
                    if (!result.IsValid)
                    {
                        valid = false;
                        if (context.CanOptimize)
                        {
                            return new KeywordEvaluation { Keyword = Name, IsValid = false };
                        }
                    }
                }
            }

            return new KeywordEvaluation
            {
                Keyword = Name,
                IsValid = valid,
                Details = evaluations.ToArray(),
                Annotation = Names(matched),
                Error = valid ? null : unmatchable ?? "a property matching a 'patternProperties' pattern does not match its schema",
            };
        }

        private static JsonElement Names(List<string> names)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                foreach (string name in names)
                {
                    writer.WriteStringValue(name);
                }

                writer.WriteEndArray();
            }

            using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
            return document.RootElement.Clone();
        }
    }
}
