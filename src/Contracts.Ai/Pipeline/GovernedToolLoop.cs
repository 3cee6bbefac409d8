using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts.Ai;

/// <summary>
/// The tool loop of the governed pipeline: a <see cref="FunctionInvokingChatClient"/> placed between the
/// per-request stages and the per-model-call stages, so that every model call of a loop is screened and
/// budgeted, not just the first.
/// </summary>
/// <remarks>
/// When the app's own client already holds a <see cref="FunctionInvokingChatClient"/> (registered with
/// <c>UseFunctionInvocation()</c>), the governed loop takes over its settings and the app's loop is handed
/// the tools as declarations only (<see cref="ToolDeclarationsChatClient"/>), so it returns every tool call
/// to the governed loop instead of running it below the per-model-call stages. The app's loop is set to
/// terminate on unknown calls for the same reason: it is only a relay once governed.
/// </remarks>
internal static class GovernedToolLoop
{
    /// <summary>Creates the governed loop over <paramref name="innerClient"/>, with the settings of the app's loop below it when there is one.</summary>
    /// <exception cref="InvalidOperationException">The app's loop holds tools of its own, which it would run below the per-model-call stages.</exception>
    public static FunctionInvokingChatClient Create(IChatClient innerClient, IServiceProvider services)
    {
        FunctionInvokingChatClient? appLoop = innerClient.GetService<FunctionInvokingChatClient>();
        var loop = new FunctionInvokingChatClient(innerClient, services.GetService<ILoggerFactory>(), services);
        if (appLoop is null)
        {
            return loop;
        }

        ThrowIfUngovernable(appLoop);
        loop.MaximumIterationsPerRequest = appLoop.MaximumIterationsPerRequest;
        loop.MaximumConsecutiveErrorsPerRequest = appLoop.MaximumConsecutiveErrorsPerRequest;
        loop.AllowConcurrentInvocation = appLoop.AllowConcurrentInvocation;
        loop.IncludeDetailedErrors = appLoop.IncludeDetailedErrors;
        loop.TerminateOnUnknownCalls = appLoop.TerminateOnUnknownCalls;
        loop.FunctionInvoker = appLoop.FunctionInvoker;

        // The app's loop now only relays: a call to a tool it does not know (one the model made up, or any call on
        // the governed loop's last iteration, which offers no tools) goes back up instead of into a loop of its own
        // whose model calls nothing would budget.
        appLoop.TerminateOnUnknownCalls = true;
        return loop;
    }

    /// <summary>Gets a value indicating whether <paramref name="innerClient"/> holds a tool loop of its own.</summary>
    public static bool HasAppLoop(IChatClient innerClient) => innerClient.GetService<FunctionInvokingChatClient>() is not null;

    private static void ThrowIfUngovernable(FunctionInvokingChatClient appLoop)
    {
        if (appLoop.AdditionalTools is not { Count: > 0 } tools)
        {
            return;
        }

        var names = new List<string>(tools.Count);
        foreach (AITool tool in tools)
        {
            names.Add(tool.Name);
        }

        throw new InvalidOperationException(
            $"The app's FunctionInvokingChatClient holds AdditionalTools ({string.Join(", ", names)}). The governed pipeline runs the tool loop " +
            "itself so that every model call of the loop is screened and budgeted; tools held by the app's loop would run below it, unbudgeted. " +
            "Pass these tools in ChatOptions.Tools instead of FunctionInvokingChatClient.AdditionalTools, or register the provider's client " +
            "without UseFunctionInvocation(): AddGovernedAi() and UseGovernedAi() bring a tool loop of their own.");
    }
}
