using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>
/// A custom check of a contract's answer, run after the answer satisfies the output schema (and,
/// for CLR-typed contracts, parses strictly). Add it to <see cref="PromptContract.Validators"/>, or
/// create one from a function with <see cref="ContractValidator.Create(System.Func{ContractValidationContext, System.Collections.Generic.IEnumerable{string}?})"/>.
/// </summary>
/// <remarks>
/// Report problems with <see cref="ContractValidationContext.AddError(string)"/>; they count as
/// violations and, under <see cref="ContractFailurePolicy.Reask"/>, are shown to the model, so say what
/// to fix without echoing sensitive data. An exception thrown by a validator is not a violation: it
/// propagates to the caller. Implementations must be safe to call from many threads at once.
/// </remarks>
public interface IContractValidator
{
    /// <summary>Checks the answer.</summary>
    /// <param name="context">The answer and the contract; add errors to it.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the check is done.</returns>
    ValueTask ValidateAsync(ContractValidationContext context, CancellationToken cancellationToken);
}
