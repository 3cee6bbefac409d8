using System.Collections.Generic;

namespace Contracts.Ai;

/// <summary>Options for prompt contract enforcement.</summary>
/// <remarks>Bindable from configuration section <c>GovernedAi</c>; validated once at start.</remarks>
public sealed class ContractOptions
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Validates instance settings as the options grow.")]
    internal void Validate(string path, List<string> errors)
    {
        _ = path;
        _ = errors;
    }
}
