using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Options for prompt contract enforcement.</summary>
/// <remarks>Bindable from configuration section <c>GovernedAi:Contracts</c>; validated once at start.</remarks>
public sealed class ContractOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether streaming calls hold the answer back until it is validated.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="false"/>: updates pass through as they arrive (time to first token
    /// unchanged) and the assembled answer is validated at the end; a failure then surfaces as
    /// <see cref="ContractViolationException"/> at the end of the stream, whatever the contract's
    /// <see cref="PromptContract.OnFailure"/>, because the text was already shown. When
    /// <see langword="true"/>, nothing is yielded until the answer passes, so
    /// <see cref="ContractFailurePolicy.Reask"/> and <see cref="ContractFailurePolicy.Fallback"/> work
    /// in streaming too; use it for callers that must not show unvalidated text.
    /// </value>
    public bool BufferStreaming { get; set; }

    /// <summary>
    /// Gets or sets the most tokens a call may have used, summed over its attempts, for another re-ask to be made.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: only <see cref="PromptContract.MaxReasks"/> bounds re-asking.
    /// Usage is what the model reports (total tokens, else input plus output); an attempt that reports
    /// none counts as zero.
    /// </value>
    public long? ReaskTokenBudget { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether an output schema that already meets the rules of strict structured
    /// outputs is sent to the provider as strict, so the provider itself keeps the answer to the schema.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="true"/>. A schema qualifies when its root is an object, every object lists all its
    /// properties in <c>required</c> and sets <c>additionalProperties: false</c>, and it uses only the keywords strict
    /// mode supports (no <c>allOf</c>, <c>oneOf</c>, <c>not</c>, <c>patternProperties</c>, string length limits...).
    /// Strictness travels as <c>ChatOptions.AdditionalProperties["strict"] = true</c>, which
    /// Microsoft.Extensions.AI.OpenAI turns into <c>"strict": true</c> on the response format. The same flag also
    /// makes that adapter send every tool without its own <c>strict</c> setting as strict, so a request
    /// offering such tools is sent without it. A value the caller set in <c>AdditionalProperties</c> is kept.
    /// The answer is validated against the contract either way.
    /// </value>
    public bool StrictOutputSchema { get; set; } = true;

    internal void Validate(string path, List<string> errors)
    {
        if (ReaskTokenBudget is <= 0)
        {
            errors.Add($"{path}:{nameof(ReaskTokenBudget)} must be positive, was {ReaskTokenBudget}.");
        }
    }
}
