using System;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>For a stage that finishes without a state machine of its own: what it returns when the call below threw instead of returning its task.</summary>
internal static class CallFailure
{
    /// <summary>
    /// The task an async method would have returned had <paramref name="exception"/> been thrown inside it: canceled for a
    /// cancellation (with its token), faulted otherwise.
    /// </summary>
    public static async Task<ChatResponse> AsTask(Exception exception) =>
        await Task.FromException<ChatResponse>(exception).ConfigureAwait(false);
}
