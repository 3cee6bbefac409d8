using System;
using System.Globalization;

namespace Contracts.Ai;

/// <summary>
/// Names where screened content sits ("the prompt (message 3)", "argument 'to' of tool 'send_mail'"),
/// for error and log messages only; the text is built only when one of those is written, so screening
/// content that passes costs no string. Never holds the content itself.
/// </summary>
internal readonly struct ContentPlace
{
    private readonly string _what;
    private readonly int _message;
    private readonly string? _name;
    private readonly string? _tool;

    private ContentPlace(string what, int message, string? name, string? tool)
    {
        _what = what;
        _message = message;
        _name = name;
        _tool = tool;
    }

    /// <summary>A place in a message of the conversation: "<paramref name="what"/> (message <paramref name="index"/>)".</summary>
    public static ContentPlace InMessage(string what, int index) => new(what, index, null, null);

    /// <summary>A named place: "<paramref name="what"/> '<paramref name="name"/>'".</summary>
    public static ContentPlace Named(string what, string? name) => new(what, -1, name ?? string.Empty, null);

    /// <summary>A tool-call argument: "argument '<paramref name="argument"/>' of tool '<paramref name="tool"/>'".</summary>
    public static ContentPlace Argument(string argument, string tool) => new("argument", -1, argument, tool);

    public static implicit operator ContentPlace(string what) => new(what, -1, null, null);

    public override string ToString() =>
        _message >= 0 ? string.Create(CultureInfo.InvariantCulture, $"{_what} (message {_message})")
        : _tool is not null ? $"{_what} '{_name}' of tool '{_tool}'"
        : _name is not null ? $"{_what} '{_name}'"
        : _what ?? string.Empty;
}
