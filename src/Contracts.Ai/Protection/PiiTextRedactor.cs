using System;
using Microsoft.Extensions.Compliance.Redaction;

namespace Contracts.Ai;

/// <summary>
/// A <c>Microsoft.Extensions.Compliance.Redaction</c> redactor that replaces the personal data and
/// secrets inside free text with typed placeholders, leaving the rest readable. Register it for the
/// classifications of free-text log fields, for example
/// <c>services.AddRedaction(r =&gt; r.SetRedactor&lt;PiiTextRedactor&gt;(myFreeTextClassification))</c>.
/// </summary>
/// <remarks>Safe to use concurrently.</remarks>
public sealed class PiiTextRedactor : Redactor
{
    private static readonly PiiPolicy RedactAll = new();
    private readonly PiiRedactor _redactor;

    /// <summary>Initializes a new instance of the <see cref="PiiTextRedactor"/> class with every built-in recognizer.</summary>
    public PiiTextRedactor()
        : this(new DefaultPiiRecognizer())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PiiTextRedactor"/> class.</summary>
    /// <param name="recognizer">Finds the values to redact.</param>
    /// <exception cref="ArgumentNullException"><paramref name="recognizer"/> is <see langword="null"/>.</exception>
    public PiiTextRedactor(IPiiRecognizer recognizer)
    {
        _redactor = new PiiRedactor(recognizer);
    }

    /// <inheritdoc />
    public override int GetRedactedLength(ReadOnlySpan<char> input) => RedactText(input).Length;

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public override int Redact(ReadOnlySpan<char> source, Span<char> destination)
    {
        string redacted = RedactText(source);
        if (redacted.Length > destination.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} characters; {redacted.Length} are needed.", nameof(destination));
        }

        redacted.AsSpan().CopyTo(destination);
        return redacted.Length;
    }

    private string RedactText(ReadOnlySpan<char> input) => input.IsEmpty ? string.Empty : _redactor.Apply(input.ToString(), RedactAll, "the text", out _);
}
