using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Compliance.Redaction;

namespace Contracts.Ai;

/// <summary>
/// Applies a <see cref="PiiPolicy"/> to text: finds personal data and secrets with an
/// <see cref="IPiiRecognizer"/>, then allows, redacts or blocks each by its entity type.
/// </summary>
/// <remarks>
/// Telemetry and audit writers use <see cref="Redact(string, DataDirection, string?)"/> with
/// <see cref="DataDirection.Telemetry"/>. Text without findings is returned as the same instance.
/// Safe to use concurrently.
/// </remarks>
public sealed class PiiRedactor
{
    private readonly byte[]? _hashKey;
    private readonly IRedactorProvider? _redactorProvider;

    /// <summary>Initializes a new instance of the <see cref="PiiRedactor"/> class.</summary>
    /// <param name="recognizer">Finds the personal data and secrets.</param>
    /// <param name="options">The policies and the hash key; <see langword="null"/> for defaults.</param>
    /// <param name="redactorProvider">The app's redactors for <see cref="RedactionStyle.Redactor"/>; <see langword="null"/> to use placeholders instead.</param>
    /// <exception cref="ArgumentNullException"><paramref name="recognizer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid (for example KeyedHash without a hash key).</exception>
    public PiiRedactor(IPiiRecognizer recognizer, DataProtectionOptions? options = null, IRedactorProvider? redactorProvider = null)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        Recognizer = recognizer;
        Options = options ?? new DataProtectionOptions();
        var errors = new List<string>();
        Options.Validate("DataProtection", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _hashKey = Options.HashKey is null ? null : Encoding.UTF8.GetBytes(Options.HashKey);
        _redactorProvider = redactorProvider;
    }

    /// <summary>Gets the recognizer that finds the values.</summary>
    public IPiiRecognizer Recognizer { get; }

    /// <summary>Gets the options holding the policies.</summary>
    public DataProtectionOptions Options { get; }

    /// <summary>Applies the policy of <paramref name="direction"/> (of the contract's policy when one is set for <paramref name="contractId"/>).</summary>
    /// <param name="text">The text.</param>
    /// <param name="direction">Where the text is going.</param>
    /// <param name="contractId">The contract governing the call, or <see langword="null"/>.</param>
    /// <returns>The text as the policy allows it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="UnsafeContentException">The policy blocks an entity type found in the text; the message names the types, never the values.</exception>
    public string Redact(string text, DataDirection direction, string? contractId = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Apply(text, Options.PolicyFor(contractId).For(direction), Describe(direction), out _);
    }

    /// <summary>Applies <paramref name="policy"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="policy">The policy.</param>
    /// <returns>The text as the policy allows it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> or <paramref name="policy"/> is <see langword="null"/>.</exception>
    /// <exception cref="UnsafeContentException">The policy blocks an entity type found in the text.</exception>
    public string Redact(string text, PiiPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(policy);
        return Apply(text, policy, "the text", out _);
    }

    internal static string Describe(DataDirection direction) => direction switch
    {
        DataDirection.OutboundPrompt => "the prompt",
        DataDirection.ToolArguments => "tool arguments",
        DataDirection.ToolResults => "a tool result",
        DataDirection.ModelOutput => "the model output",
        DataDirection.Telemetry => "telemetry",
        _ => "the text",
    };

    /// <summary>Applies <paramref name="policy"/>; <paramref name="where"/> names the place in an error, never the content.</summary>
    internal string Apply(string text, PiiPolicy policy, ContentPlace where, out int redactions)
    {
        redactions = 0;
        if (text.Length == 0 || policy.AllowsEverything)
        {
            return text;
        }

        IReadOnlyList<PiiMatch> matches = Recognizer.Recognize(text);
        if (matches.Count == 0)
        {
            return text;
        }

        List<string>? blocked = null;
        foreach (PiiMatch match in matches)
        {
            if (policy.ActionFor(match.EntityType) == PiiAction.Block && !(blocked ??= []).Contains(match.EntityType))
            {
                blocked.Add(match.EntityType);
            }
        }

        if (blocked is not null)
        {
            blocked.Sort(StringComparer.Ordinal);
            throw new UnsafeContentException(
                $"Data protection blocked {where}: it contains {string.Join(", ", blocked)}, which the policy does not allow to pass.",
                blocked,
                []);
        }

        StringBuilder? builder = null;
        int copied = 0;
        foreach (PiiMatch match in matches)
        {
            if (policy.ActionFor(match.EntityType) != PiiAction.Redact)
            {
                continue;
            }

            builder ??= new StringBuilder(text.Length);
            builder.Append(text, copied, match.Start - copied);
            AppendReplacement(builder, text.AsSpan(match.Start, match.Length), match.EntityType, policy.Style);
            copied = match.End;
            redactions++;
        }

        if (builder is null)
        {
            return text;
        }

        builder.Append(text, copied, text.Length - copied);
        return builder.ToString();
    }

    private void AppendReplacement(StringBuilder builder, ReadOnlySpan<char> value, string entityType, RedactionStyle style)
    {
        switch (style)
        {
            case RedactionStyle.KeyedHash when _hashKey is not null:
                string placeholder = PiiEntityTypes.GetPlaceholder(entityType);
                Span<byte> input = stackalloc byte[256];
                byte[]? rented = null;
                int needed = Encoding.UTF8.GetMaxByteCount(value.Length + entityType.Length + 1);
                Span<byte> buffer = needed <= input.Length ? input : (rented = new byte[needed]);
                int length = Encoding.UTF8.GetBytes(entityType, buffer);
                buffer[length++] = (byte)':';
                length += Encoding.UTF8.GetBytes(value, buffer[length..]);
                Span<byte> hash = stackalloc byte[32];
                HMACSHA256.HashData(_hashKey, buffer[..length], hash);
                builder.Append(placeholder, 0, placeholder.Length - 1).Append(':').Append(Convert.ToHexString(hash[..8])).Append(']');
                if (rented is not null)
                {
                    Array.Clear(rented);
                }

                break;
            case RedactionStyle.Redactor when _redactorProvider is not null:
                Redactor redactor = _redactorProvider.GetRedactor(PiiClassifications.For(entityType));
                builder.Append(redactor.Redact(value));
                break;
            default:
                builder.Append(PiiEntityTypes.GetPlaceholder(entityType));
                break;
        }
    }
}
