using System;

namespace Contracts.Ai;

/// <summary>Options for <see cref="TransportFailoverChatClient"/>.</summary>
public sealed class TransportFailoverOptions
{
    /// <summary>Gets or sets which failures move the call to the next client.</summary>
    /// <value>
    /// Defaults to <see langword="null"/>: every failure except contract and governance errors
    /// (<see cref="GovernedAiException"/>), argument and not-supported errors, and cancellation by the caller.
    /// </value>
    public Func<Exception, bool>? ShouldFailover { get; set; }
}
