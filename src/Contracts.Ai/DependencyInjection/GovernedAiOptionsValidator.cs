using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

internal sealed class GovernedAiOptionsValidator : IValidateOptions<GovernedAiOptions>
{
    public ValidateOptionsResult Validate(string? name, GovernedAiOptions options)
    {
        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
