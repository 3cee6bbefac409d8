using System;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Reads what contract enforcement decided about a <see cref="ChatResponse"/>: its typed output and its validation outcome.</summary>
public static class ContractChatResponseExtensions
{
    /// <summary>The key of <see cref="ChatResponse.AdditionalProperties"/> that holds the validation outcome: <c>contracts_ai.validation.outcome</c>.</summary>
    public const string ValidationOutcomeKey = "contracts_ai.validation.outcome";

    /// <summary>
    /// Gets the validation outcome of a governed response: <c>passed</c> (first answer valid),
    /// <c>reasked</c> (valid after a re-ask) or <c>fallback</c> (the contract's fallback answer).
    /// </summary>
    /// <param name="response">The response.</param>
    /// <returns>The outcome, or <see langword="null"/> when no contract governed the response.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is <see langword="null"/>.</exception>
    public static string? GetContractValidationOutcome(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.AdditionalProperties?.TryGetValue(ValidationOutcomeKey, out object? value) == true ? value as string : null;
    }

    /// <summary>
    /// Gets the answer of a CLR-typed contract (see <see cref="PromptContract.WithOutputType{T}(JsonTypeInfo{T})"/>) as
    /// <typeparamref name="T"/>: the value parsed during validation, or, for a response that was copied or
    /// stored, its text parsed strictly (unknown members, missing required members and nulls in
    /// non-nullable members rejected).
    /// </summary>
    /// <typeparam name="T">The contract's output type.</typeparam>
    /// <param name="response">The governed response.</param>
    /// <param name="typeInfo">The type's JSON metadata; trimming and Native AOT safe.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The response's text is not a valid <typeparamref name="T"/>.</exception>
    public static T GetContractOutput<T>(this ChatResponse response, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Get<T>(response, typeInfo.Options);
    }

    /// <summary>Gets the answer of a CLR-typed contract as <typeparamref name="T"/>; see <see cref="GetContractOutput{T}(ChatResponse, JsonTypeInfo{T})"/>.</summary>
    /// <typeparam name="T">The contract's output type.</typeparam>
    /// <param name="response">The governed response.</param>
    /// <param name="serializerOptions">The options that describe <typeparamref name="T"/>.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The response's text is not a valid <typeparamref name="T"/>.</exception>
    public static T GetContractOutput<T>(this ChatResponse response, JsonSerializerOptions serializerOptions)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(serializerOptions);
        return Get<T>(response, serializerOptions);
    }

    /// <summary>Gets the answer of a CLR-typed contract as <typeparamref name="T"/>, using reflection-based JSON metadata; see <see cref="GetContractOutput{T}(ChatResponse, JsonTypeInfo{T})"/>.</summary>
    /// <typeparam name="T">The contract's output type.</typeparam>
    /// <param name="response">The governed response.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The response's text is not a valid <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON metadata for T. Use the JsonTypeInfo<T> overload when trimming.")]
    [RequiresDynamicCode("Reflection-based JSON metadata for T. Use the JsonTypeInfo<T> overload under Native AOT.")]
    public static T GetContractOutput<T>(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Get<T>(response, ContractJson.ReflectionOptions);
    }

    private static T Get<T>(ChatResponse response, JsonSerializerOptions options)
    {
        // The value parsed during validation travels on the response contract enforcement returned.
        switch (response)
        {
            case ContractChatResponse<T> typedResponse:
                return typedResponse.Result;
            case ValidatedChatResponse { Output: T typed }:
                return typed;
        }

        string text = ContractOutputCheck.FinalText(response);
        if (!AnswerJson.TryExtract(text, out string json, out _))
        {
            throw new InvalidOperationException($"The response holds no {typeof(T).Name}: its text contains no complete JSON value.");
        }

        try
        {
            object? value = JsonSerializer.Deserialize(json, ContractJson.GetStrictTypeInfo(options, typeof(T)));
            return value is T result
                ? result
                : throw new InvalidOperationException($"The response holds no {typeof(T).Name}: its JSON is null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"The response holds no valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
