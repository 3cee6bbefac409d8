using System;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>Makes an <see cref="AIFunction"/> a <see cref="GovernedAIFunction"/>, or changes the settings of one.</summary>
/// <remarks>
/// Every method returns a new <see cref="GovernedAIFunction"/> over the original function (never a wrapper of a
/// wrapper), so calls chain: <c>tool.WithOutputContract&lt;Order&gt;().WithTimeout(TimeSpan.FromSeconds(5)).AsIdempotent("orderId")</c>.
/// Settings not made here come from <see cref="ToolGovernanceOptions"/> when the tool runs under
/// <see cref="ToolGovernanceChatClient"/>, and from its defaults otherwise.
/// </remarks>
public static class GovernedAIFunctionExtensions
{
    private static readonly ToolGovernanceOptions DetachedOptions = new();

    /// <summary>Promises that the output is JSON for <typeparamref name="T"/>, read strictly: unknown members, missing required members, nulls in non-nullable members and duplicate keys are rejected.</summary>
    /// <typeparam name="T">The output's type.</typeparam>
    /// <param name="function">The tool.</param>
    /// <returns>The governed tool.</returns>
    /// <remarks>Uses the function's <see cref="AIFunction.JsonSerializerOptions"/>, falling back to reflection; for trimming and Native AOT use an overload taking <see cref="JsonTypeInfo{T}"/>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode("Reads the output type with reflection. Use the overload taking a JsonTypeInfo<T> for trimming and Native AOT.")]
    [RequiresDynamicCode("Reads the output type with reflection. Use the overload taking a JsonTypeInfo<T> for trimming and Native AOT.")]
    public static GovernedAIFunction WithOutputContract<T>(this AIFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        JsonSerializerOptions options = function.JsonSerializerOptions;
        if (!options.TryGetTypeInfo(typeof(T), out JsonTypeInfo? typeInfo))
        {
            var reflection = new JsonSerializerOptions(options)
            {
                TypeInfoResolver = JsonTypeInfoResolver.Combine(options.TypeInfoResolver, new DefaultJsonTypeInfoResolver()),
            };
            typeInfo = reflection.GetTypeInfo(typeof(T));
        }

        return Govern(function, policy => policy with { OutputContract = ToolOutputContract.ForType(typeInfo) });
    }

    /// <summary>Promises that the output is JSON for <typeparamref name="T"/>, read strictly with the serializer options of <paramref name="typeInfo"/> made strict.</summary>
    /// <typeparam name="T">The output's type.</typeparam>
    /// <param name="function">The tool.</param>
    /// <param name="typeInfo">The type's metadata, for example from a source-generated <c>JsonSerializerContext</c>.</param>
    /// <returns>The governed tool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    public static GovernedAIFunction WithOutputContract<T>(this AIFunction function, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Govern(function, policy => policy with { OutputContract = ToolOutputContract.ForType(typeInfo) });
    }

    /// <summary>Promises that the output is JSON for <typeparamref name="T"/>, read strictly with <paramref name="options"/> made strict.</summary>
    /// <typeparam name="T">The output's type.</typeparam>
    /// <param name="function">The tool.</param>
    /// <param name="options">Serializer options whose <see cref="JsonSerializerOptions.TypeInfoResolver"/> knows <typeparamref name="T"/>.</param>
    /// <returns>The governed tool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotSupportedException">The options cannot provide metadata for <typeparamref name="T"/>.</exception>
    public static GovernedAIFunction WithOutputContract<T>(this AIFunction function, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(options);
        JsonTypeInfo typeInfo = options.GetTypeInfo(typeof(T));
        return Govern(function, policy => policy with { OutputContract = ToolOutputContract.ForType(typeInfo) });
    }

    /// <summary>Promises that the output is JSON valid against <paramref name="schema"/>, checked with the compiled schema validator.</summary>
    /// <param name="function">The tool.</param>
    /// <param name="schema">A JSON Schema (draft 2020-12).</param>
    /// <returns>The governed tool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="schema"/> is not a JSON object or boolean, or is not a valid JSON Schema.</exception>
    public static GovernedAIFunction WithOutputSchema(this AIFunction function, JsonElement schema)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            throw new ArgumentException($"The output schema of tool '{function.Name}' must be a JSON object or boolean, not {schema.ValueKind}.", nameof(schema));
        }

        ToolOutputContract contract = ToolOutputContract.ForSchema(schema);
        return Govern(function, policy => policy with { OutputContract = contract });
    }

    /// <summary>Limits how long one attempt of the tool may run; a call that takes longer is rejected as timed out.</summary>
    /// <param name="function">The tool.</param>
    /// <param name="timeout">The limit, from 10 milliseconds to 1 day.</param>
    /// <returns>The governed tool.</returns>
    /// <remarks>The tool's cancellation token is cancelled at the limit; a tool that ignores it is abandoned, not awaited.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is under 10 milliseconds or over 1 day.</exception>
    public static GovernedAIFunction WithTimeout(this AIFunction function, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.FromMilliseconds(10));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeout, TimeSpan.FromDays(1));
        return Govern(function, policy => policy with { Timeout = timeout });
    }

    /// <summary>Caps the output at <paramref name="bytes"/> UTF-8 bytes of JSON; a larger output is rejected.</summary>
    /// <param name="function">The tool.</param>
    /// <param name="bytes">The cap, at least 1.</param>
    /// <returns>The governed tool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is less than 1.</exception>
    public static GovernedAIFunction WithMaxOutputBytes(this AIFunction function, int bytes)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        return Govern(function, policy => policy with { MaxOutputBytes = bytes });
    }

    /// <summary>Caps the output at <paramref name="tokens"/> tokens of its JSON text; a longer output is rejected before it reaches the model.</summary>
    /// <param name="function">The tool.</param>
    /// <param name="tokens">The cap, at least 1.</param>
    /// <param name="counter">The token counter of the model the output goes to; <see langword="null"/> for o200k_base.</param>
    /// <returns>The governed tool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokens"/> is less than 1.</exception>
    public static GovernedAIFunction WithMaxOutputTokens(this AIFunction function, int tokens, ITokenCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        return Govern(function, policy => policy with { MaxOutputTokens = tokens, TokenCounter = counter ?? policy.TokenCounter });
    }

    /// <summary>Marks the tool safe to retry (a read, or a write that is idempotent by itself): transient failures and timeouts are retried.</summary>
    /// <param name="function">The tool.</param>
    /// <param name="maxRetryAttempts">How many retries after the first attempt, from 1 to 10.</param>
    /// <param name="delay">The delay before the first retry, doubling after each; <see langword="null"/> for <see cref="ToolGovernanceOptions.RetryDelay"/>.</param>
    /// <returns>The governed tool.</returns>
    /// <remarks>Transient failures are <see cref="System.Net.Http.HttpRequestException"/>, <see cref="System.IO.IOException"/>, <see cref="System.Net.Sockets.SocketException"/>, <see cref="TimeoutException"/> and timeouts of an attempt.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRetryAttempts"/> is outside 1 to 10, or <paramref name="delay"/> is negative.</exception>
    public static GovernedAIFunction WithRetry(this AIFunction function, int maxRetryAttempts = 2, TimeSpan? delay = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetryAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRetryAttempts, 10);
        if (delay is TimeSpan value)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(delay));
        }

        return Govern(function, policy => policy with { MaxRetryAttempts = maxRetryAttempts, RetryDelay = delay ?? policy.RetryDelay });
    }

    /// <summary>
    /// Makes a side-effecting tool idempotent: a repeated call with the same key returns the stored result instead of
    /// running again. The key is the tool name, the canonicalised <paramref name="keyArguments"/> (every argument when
    /// none are named) and the request's tenant and conversation or idempotency key. The tool runs at most once per key,
    /// also when it outlives its timeout: the caller gets a timeout, the attempt keeps the key until it ends, and a repeat
    /// meanwhile waits for it (<see cref="IdempotencyOptions.InProgressWait"/>) and replays its result or gets
    /// <see cref="IdempotencyInProgressException"/>. An idempotent tool is not retried automatically; with <c>WithRetry</c>
    /// its transient failures are, but never a timeout or cancellation, after which the side effect may still happen.
    /// </summary>
    /// <remarks>A claim is held for at most <see cref="IdempotencyOptions.LeaseDuration"/>: keep it longer than the slowest run of the tool.</remarks>
    /// <param name="function">The tool.</param>
    /// <param name="keyArguments">The arguments that identify the operation, so a model rewording free text does not defeat the key; none for every argument.</param>
    /// <returns>The governed tool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="keyArguments"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A name in <paramref name="keyArguments"/> is null, empty or white space.</exception>
    public static GovernedAIFunction AsIdempotent(this AIFunction function, params string[] keyArguments)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(keyArguments);
        foreach (string name in keyArguments)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(keyArguments));
        }

        string[] names = (string[])keyArguments.Clone();
        return Govern(function, policy => policy with { Idempotent = true, IdempotencyKeyArguments = names });
    }

    private static GovernedAIFunction Govern(AIFunction function, Func<ToolPolicy, ToolPolicy> change)
    {
        (AIFunction inner, ToolPolicy current) = function is GovernedAIFunction governed
            ? (governed.Inner, governed.Policy)
            : (function, ToolPolicy.Empty);
        ToolPolicy policy = change(current);
        return new GovernedAIFunction(inner, policy, new ToolRuntime(inner, policy.WithDefaults(inner.Name, DetachedOptions), DetachedOptions), ToolCallScope.Detached);
    }
}
