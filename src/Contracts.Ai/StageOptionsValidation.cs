using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace Contracts.Ai;

/// <summary>Validates the options a <c>Use*(configure)</c> method built, once, when the pipeline is described: <c>AddGovernedAi()</c> validates its own at host start.</summary>
internal static class StageOptionsValidation
{
    /// <summary>Returns <paramref name="options"/> when <paramref name="validate"/> finds nothing wrong.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid; the message lists every problem with its configuration path.</exception>
    public static T ThrowIfInvalid<T>(T options, string path, Action<T, string, List<string>> validate)
        where T : class
    {
        var errors = new List<string>();
        validate(options, path, errors);
        return errors.Count == 0
            ? options
            : throw new OptionsValidationException(Options.DefaultName, typeof(T), errors);
    }
}
