using System;
using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Options for request and tool idempotency.</summary>
/// <remarks>Bindable from configuration section <c>GovernedAi:Idempotency</c>; validated once at start.</remarks>
public sealed class IdempotencyOptions
{
    /// <summary>Gets or sets how long a running call holds its key. A process that dies mid-call blocks repeats for at most this long; after it a repeat runs.</summary>
    /// <value>Defaults to 1 minute. Set it longer than the slowest operation, or a repeat may run while the first is still going.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how long a completed result is kept for replay.</summary>
    /// <value>Defaults to 24 hours.</value>
    public TimeSpan CompletedTimeToLive { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets how long a repeat waits for a call with the same key that is still running, before it throws <see cref="IdempotencyInProgressException"/>.</summary>
    /// <value>Defaults to 10 seconds. <see cref="TimeSpan.Zero"/> throws at once.</value>
    public TimeSpan InProgressWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how often a waiting repeat asks the store whether the running call completed.</summary>
    /// <value>Defaults to 100 milliseconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets what happens when the idempotency store cannot be reached.</summary>
    /// <value>Defaults to <see cref="IdempotencyFailureMode.FailClosed"/>: the call does not run and <see cref="IdempotencyStoreUnavailableException"/> is thrown.</value>
    public IdempotencyFailureMode OnStoreUnavailable { get; set; } = IdempotencyFailureMode.FailClosed;

    /// <summary>
    /// Gets or sets how long a call that has run waits for the store to record its result (or to release its claim
    /// after a failure) before it returns anyway. A store that does not answer in time is treated as unavailable:
    /// the call's own outcome is returned, the miss is logged, and the claim expires with its lease.
    /// </summary>
    /// <value>Defaults to 1 second. A store client's own timeout (StackExchange.Redis: 5 seconds) no longer holds up a call that has completed.</value>
    public TimeSpan StoreWriteTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the most records the default in-memory store keeps; when full it drops expired records first, then the oldest completed ones.</summary>
    /// <value>Defaults to 10,000.</value>
    public int InMemoryCapacity { get; set; } = 10_000;

    internal void Validate(string path, List<string> errors)
    {
        if (LeaseDuration <= TimeSpan.Zero)
        {
            errors.Add($"{path}:LeaseDuration must be positive, but was {LeaseDuration}.");
        }

        if (CompletedTimeToLive <= TimeSpan.Zero)
        {
            errors.Add($"{path}:CompletedTimeToLive must be positive, but was {CompletedTimeToLive}.");
        }

        if (InProgressWait < TimeSpan.Zero)
        {
            errors.Add($"{path}:InProgressWait must not be negative, but was {InProgressWait}.");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{path}:PollInterval must be positive, but was {PollInterval}.");
        }

        if (StoreWriteTimeout <= TimeSpan.Zero || StoreWriteTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{path}:StoreWriteTimeout must be positive and at most 5 minutes, but was {StoreWriteTimeout}.");
        }

        if (OnStoreUnavailable is not (IdempotencyFailureMode.FailClosed or IdempotencyFailureMode.FailOpen))
        {
            errors.Add($"{path}:OnStoreUnavailable must be FailClosed or FailOpen, but was {(int)OnStoreUnavailable}.");
        }

        if (InMemoryCapacity < 1)
        {
            errors.Add($"{path}:InMemoryCapacity must be at least 1, but was {InMemoryCapacity}.");
        }
    }

    /// <summary>Validates options passed directly to a stage (outside <c>AddGovernedAi()</c>, which validates at start).</summary>
    internal void ThrowIfInvalid(string path)
    {
        var errors = new List<string>();
        Validate(path, errors);
        if (errors.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(IdempotencyOptions), errors);
        }
    }
}
