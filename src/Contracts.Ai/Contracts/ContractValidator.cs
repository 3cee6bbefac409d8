using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Ai;

/// <summary>Creates <see cref="IContractValidator"/> instances from functions.</summary>
public static class ContractValidator
{
    /// <summary>Creates a validator from a function that returns the answer's problems (none, or <see langword="null"/>, when it is fine).</summary>
    /// <param name="validate">Checks the answer; must be safe to call from many threads at once.</param>
    /// <returns>The validator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="validate"/> is <see langword="null"/>.</exception>
    public static IContractValidator Create(Func<ContractValidationContext, IEnumerable<string>?> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        return new DelegateValidator(validate);
    }

    /// <summary>Creates a validator of a CLR-typed answer (see <see cref="PromptContract.WithOutputType{T}(System.Text.Json.Serialization.Metadata.JsonTypeInfo{T})"/>).</summary>
    /// <typeparam name="T">The contract's output type.</typeparam>
    /// <param name="validate">Checks the parsed answer and returns its problems; must be safe to call from many threads at once.</param>
    /// <returns>The validator. It reports an error when the answer was not parsed into <typeparamref name="T"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="validate"/> is <see langword="null"/>.</exception>
    public static IContractValidator Create<T>(Func<T, IEnumerable<string>?> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        return new DelegateValidator(context => context.Value is T value
            ? validate(value)
            : new[] { $"the answer was not parsed into {typeof(T).Name}: the contract's output type is {context.Contract.OutputType?.Name ?? "not set"}" });
    }

    private sealed class DelegateValidator(Func<ContractValidationContext, IEnumerable<string>?> validate) : IContractValidator
    {
        public ValueTask ValidateAsync(ContractValidationContext context, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(context);
            IEnumerable<string>? errors = validate(context);
            if (errors is not null)
            {
                foreach (string error in errors)
                {
                    context.AddError(error);
                }
            }

            return default;
        }
    }
}
