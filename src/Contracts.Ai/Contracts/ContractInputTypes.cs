using System;

namespace Contracts.Ai;

/// <summary>The values <see cref="ContractInput.Type"/> accepts.</summary>
internal static class ContractInputTypes
{
    public const string String = "string";
    public const string Number = "number";
    public const string Integer = "integer";
    public const string Boolean = "boolean";
    public const string Object = "object";
    public const string Array = "array";

    /// <summary>How long an input pattern may run on one value before the value is rejected.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(250);

    public static bool IsKnown(string? type) =>
        type is String or Number or Integer or Boolean or Object or Array;
}
