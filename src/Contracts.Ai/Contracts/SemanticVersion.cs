using System;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>A semantic version (semver.org 2.0.0), compared by precedence: build metadata is ignored.</summary>
internal readonly partial struct SemanticVersion : IComparable<SemanticVersion>
{
    private readonly string[] _preRelease;

    private SemanticVersion(string text, ulong major, ulong minor, ulong patch, string[] preRelease)
    {
        Text = text;
        Major = major;
        Minor = minor;
        Patch = patch;
        _preRelease = preRelease;
    }

    public string Text { get; }

    public ulong Major { get; }

    public ulong Minor { get; }

    public ulong Patch { get; }

    public bool IsPreRelease => _preRelease.Length > 0;

    public static bool TryParse(string? text, [NotNullWhen(true)] out SemanticVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text) || text.Length > 256)
        {
            return false;
        }

        Match match = SemVerRegex().Match(text);
        if (!match.Success ||
            !ulong.TryParse(match.Groups[1].ValueSpan, out ulong major) ||
            !ulong.TryParse(match.Groups[2].ValueSpan, out ulong minor) ||
            !ulong.TryParse(match.Groups[3].ValueSpan, out ulong patch))
        {
            return false;
        }

        string[] preRelease = match.Groups[4].Success ? match.Groups[4].Value.Split('.') : Array.Empty<string>();
        version = new SemanticVersion(text, major, minor, patch, preRelease);
        return true;
    }

    public static SemanticVersion Parse(string text) =>
        TryParse(text, out SemanticVersion version) ? version : throw new ArgumentException($"'{text}' is not a semantic version.", nameof(text));

    public int CompareTo(SemanticVersion other)
    {
        int result = Major.CompareTo(other.Major);
        if (result == 0) { result = Minor.CompareTo(other.Minor); }
        if (result == 0) { result = Patch.CompareTo(other.Patch); }
        if (result != 0)
        {
            return result;
        }

        // A pre-release has lower precedence than the release itself.
        if (_preRelease.Length == 0 || other._preRelease.Length == 0)
        {
            return (_preRelease.Length == 0, other._preRelease.Length == 0) switch
            {
                (true, true) => 0,
                (true, false) => 1,
                _ => -1,
            };
        }

        int count = Math.Min(_preRelease.Length, other._preRelease.Length);
        for (int i = 0; i < count; i++)
        {
            result = CompareIdentifier(_preRelease[i], other._preRelease[i]);
            if (result != 0)
            {
                return result;
            }
        }

        return _preRelease.Length.CompareTo(other._preRelease.Length);
    }

    public override string ToString() => Text;

    private static int CompareIdentifier(string left, string right)
    {
        bool leftNumeric = ulong.TryParse(left, out ulong leftNumber) && IsDigits(left);
        bool rightNumeric = ulong.TryParse(right, out ulong rightNumber) && IsDigits(right);
        return (leftNumeric, rightNumeric) switch
        {
            (true, true) => leftNumber.CompareTo(rightNumber),
            (true, false) => -1,
            (false, true) => 1,
            _ => string.CompareOrdinal(left, right) switch { < 0 => -1, > 0 => 1, _ => 0 },
        };
    }

    private static bool IsDigits(string value)
    {
        foreach (char c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    // semver.org's recommended expression: no leading zeros in numeric identifiers.
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex SemVerRegex();
}
