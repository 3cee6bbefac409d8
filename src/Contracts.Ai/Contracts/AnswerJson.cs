using System;
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// Finds the JSON value in a model's answer: the whole answer, a fenced code block, or the first
/// complete object or array inside surrounding prose; and tells a truncated answer from one with no JSON.
/// </summary>
internal static class AnswerJson
{
    private const int MaxCandidates = 16;

    public enum Failure
    {
        None,
        NoJson,
        Truncated,
    }

    /// <summary>Extracts the JSON text of the answer.</summary>
    /// <param name="answer">The answer's text.</param>
    /// <param name="json">The JSON value's text, when found.</param>
    /// <param name="failure">Why nothing was found.</param>
    /// <returns><see langword="true"/> when a complete JSON value was found.</returns>
    public static bool TryExtract(string answer, out string json, out Failure failure)
    {
        json = string.Empty;
        failure = Failure.NoJson;
        ReadOnlySpan<char> trimmed = answer.AsSpan().Trim();
        if (trimmed.IsEmpty)
        {
            return false;
        }

        bool truncated = false;
        if (IsWholeValue(trimmed))
        {
            json = trimmed.Length == answer.Length ? answer : trimmed.ToString();
            failure = Failure.None;
            return true;
        }

        // Code fences: ```json ... ``` (the language tag is optional; an unclosed fence runs to the end).
        int search = 0;
        while (true)
        {
            int open = answer.IndexOf("```", search, StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }

            int lineEnd = answer.IndexOf('\n', open + 3);
            if (lineEnd < 0)
            {
                break;
            }

            int close = answer.IndexOf("```", lineEnd + 1, StringComparison.Ordinal);
            ReadOnlySpan<char> body = (close < 0 ? answer.AsSpan(lineEnd + 1) : answer.AsSpan(lineEnd + 1, close - lineEnd - 1)).Trim();
            if (IsWholeValue(body))
            {
                json = body.ToString();
                failure = Failure.None;
                return true;
            }

            if (body.Length > 0 && body[0] is '{' or '[' && ReadValue(body, out _) == Failure.Truncated)
            {
                truncated = true;
            }

            if (close < 0)
            {
                break;
            }

            search = close + 3;
        }

        // Prose around the value: the first complete object or array wins.
        int candidates = 0;
        for (int i = 0; i < answer.Length && candidates < MaxCandidates; i++)
        {
            if (answer[i] is not ('{' or '['))
            {
                continue;
            }

            candidates++;
            ReadOnlySpan<char> rest = answer.AsSpan(i);
            Failure result = ReadValue(rest, out int length);
            if (result == Failure.None)
            {
                json = answer.Substring(i, length);
                failure = Failure.None;
                return true;
            }

            if (result == Failure.Truncated)
            {
                // Everything after this point is inside the cut-off value: no later fragment is the answer.
                truncated = true;
                break;
            }
        }

        failure = truncated ? Failure.Truncated : Failure.NoJson;
        return false;
    }

    private static bool IsWholeValue(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !(text[0] is '{' or '[' or '"' or '-' or 't' or 'f' or 'n' || char.IsAsciiDigit(text[0])))
        {
            return false;
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            int count = Encoding.UTF8.GetBytes(text, rented);
            var reader = new Utf8JsonReader(rented.AsSpan(0, count), isFinalBlock: true, state: default);
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Reads one object or array from the start of <paramref name="text"/>; <paramref name="length"/> is its length in chars.</summary>
    private static Failure ReadValue(ReadOnlySpan<char> text, out int length)
    {
        length = 0;
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            int count = Encoding.UTF8.GetBytes(text, rented);

            // Not the final block: running out of data mid-value means the answer was cut off, not malformed.
            var reader = new Utf8JsonReader(rented.AsSpan(0, count), isFinalBlock: false, state: default);
            if (!reader.Read() || !reader.TrySkip())
            {
                return Failure.Truncated;
            }

            length = Encoding.UTF8.GetCharCount(rented.AsSpan(0, (int)reader.BytesConsumed));
            return Failure.None;
        }
        catch (JsonException)
        {
            return Failure.NoJson;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
