using System;
using System.Collections.Generic;
using System.Text;

namespace Contracts.Ai;

/// <summary>Thrown when prompt files are invalid; lists every problem found in every file, each with its file, line and field.</summary>
public class PromptFileException : GovernedAiException
{
    /// <summary>Initializes a new instance of the <see cref="PromptFileException"/> class.</summary>
    public PromptFileException()
        : this("Prompt files are invalid.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PromptFileException"/> class with a message.</summary>
    /// <param name="message">What was wrong and where.</param>
    public PromptFileException(string message)
        : base(message)
    {
        Errors = Array.Empty<PromptFileError>();
    }

    /// <summary>Initializes a new instance of the <see cref="PromptFileException"/> class with a message and a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public PromptFileException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Errors = Array.Empty<PromptFileError>();
    }

    /// <summary>Initializes a new instance of the <see cref="PromptFileException"/> class for a list of problems.</summary>
    /// <param name="errors">Every problem found.</param>
    /// <exception cref="ArgumentNullException"><paramref name="errors"/> is <see langword="null"/>.</exception>
    public PromptFileException(IReadOnlyList<PromptFileError> errors)
        : base(BuildMessage(errors ?? throw new ArgumentNullException(nameof(errors))))
    {
        Errors = errors;
    }

    /// <summary>Gets every problem found, ordered by file and line.</summary>
    public IReadOnlyList<PromptFileError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<PromptFileError> errors)
    {
        var text = new StringBuilder();
        text.Append("Prompt files are invalid (")
            .Append(errors.Count)
            .Append(errors.Count == 1 ? " error):" : " errors):");
        foreach (PromptFileError error in errors)
        {
            text.AppendLine().Append("  ").Append(error);
        }

        return text.ToString();
    }

    /// <inheritdoc />
    internal override bool IsExpectedOutcome => false;
}
