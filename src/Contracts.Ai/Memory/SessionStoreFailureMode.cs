namespace Contracts.Ai;

/// <summary>What a request with a session does when the session store cannot be reached.</summary>
public enum SessionStoreFailureMode
{
    /// <summary>The request fails with <see cref="SessionStoreUnavailableException"/>: before the model call when the history cannot be loaded, after it when the new turn cannot be stored.</summary>
    FailClosed = 0,

    /// <summary>The request runs without the remembered history (or its turn is not remembered); a warning is logged and counted in <c>contracts_ai.session.store_unavailable</c>.</summary>
    ContinueWithoutMemory = 1,
}
