using System;

namespace Contracts.Ai.Cli;

/// <summary>The contracts-ai command line.</summary>

public static class Program
{
    /// <summary>Runs the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The exit code.</returns>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("contracts-ai: no command yet (" + args.Length + " argument(s)).");
        return 2;
    }
}
