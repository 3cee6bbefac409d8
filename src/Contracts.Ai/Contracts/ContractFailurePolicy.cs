namespace Contracts.Ai;

/// <summary>What a contract does when the model's answer fails validation.</summary>
public enum ContractFailurePolicy
{
    /// <summary>Throw <see cref="ContractViolationException"/> with every violation. The default.</summary>
    Throw = 0,

    /// <summary>Ask the model again with the validation errors appended, up to <see cref="PromptContract.MaxReasks"/> times, then throw.</summary>
    Reask = 1,

    /// <summary>Return <see cref="PromptContract.FallbackResponse"/> instead of the invalid answer.</summary>
    Fallback = 2,
}
