using System;
using System.Globalization;
using System.Threading;

namespace Contracts.Ai.Testing;

/// <summary>
/// The ids of scripted responses and messages: 32 lowercase hex characters, as a <see cref="Guid"/> formatted "N",
/// unique within the process (a counter) and across processes (a random half drawn once).
/// </summary>
/// <remarks>
/// A new <see cref="Guid"/> per id asks the operating system for random bytes, which on some machines costs more than
/// the rest of a scripted response and varies from call to call; a test double should cost little and steadily, so a
/// pipeline measured over it shows its own cost.
/// </remarks>
internal static class ScriptedIds
{
    private static readonly ulong ProcessPart = BitConverter.ToUInt64(Guid.NewGuid().ToByteArray(), 0);
    private static long _counter;

    /// <summary>Returns a new id.</summary>
    public static string Next()
    {
        ulong count = (ulong)Interlocked.Increment(ref _counter);
        return string.Create(32, count, static (chars, n) =>
        {
            ProcessPart.TryFormat(chars, out _, "x16", CultureInfo.InvariantCulture);
            n.TryFormat(chars[16..], out _, "x16", CultureInfo.InvariantCulture);
        });
    }
}
