using System;
using Contracts.Ai;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the whole governed pipeline to a chat pipeline.</summary>
public static class GovernedAiChatClientBuilderExtensions
{
    /// <summary>
    /// Adds every Contracts.Ai stage in two tiers, outermost first. Once per request, under one
    /// <c>contracts_ai.request</c> span: request idempotency, prompt routing, session memory, contract enforcement and tool
    /// governance. Then the tool loop (a <see cref="FunctionInvokingChatClient"/>), and inside it, once per
    /// model call: data protection and token budgeting.
    /// </summary>
    /// <remarks>
    /// When the inner client holds a <see cref="FunctionInvokingChatClient"/> of its own (<c>UseFunctionInvocation()</c>),
    /// the governed loop takes over its settings (iterations, concurrency, detailed errors, ...) and hands it
    /// the tools as declarations only, so every tool runs governed and every model call is budgeted. An inner loop
    /// holding <c>AdditionalTools</c> cannot be governed per call: building the pipeline then fails with an
    /// <see cref="InvalidOperationException"/> that says what to change.
    /// </remarks>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the options; when <see langword="null"/>, the options come from <c>AddGovernedAi()</c> in the service provider, or defaults.</param>
    /// <returns>The same <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">The configured options are invalid.</exception>
    public static ChatClientBuilder UseGovernedAi(this ChatClientBuilder builder, Action<GovernedAiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        GovernedAiOptions? options = null;
        if (configure is not null)
        {
            options = new GovernedAiOptions();
            configure(options);
            var errors = options.Validate();
            if (errors.Count > 0)
            {
                throw new OptionsValidationException(Options.Options.DefaultName, typeof(GovernedAiOptions), errors);
            }
        }

        return builder.UseGovernedAi(options);
    }

    internal static ChatClientBuilder UseGovernedAi(this ChatClientBuilder builder, GovernedAiOptions? options)
    {
        // Budgeting and session memory count the same messages: without AddGovernedAi()'s cache, the pipeline's own.
        var pipelineCache = new TokenCountCache();
        return builder
            // Per request.
            .Use((innerClient, services) => GovernedRequestChatClient.Create(innerClient, options, services))
            .UseRequestIdempotency(options?.Idempotency)
            .UsePromptRouting(options?.Routing)
            .UseSessionMemory(options, pipelineCache)
            .UseContracts(options?.Contracts)
            .UseToolGovernance(options?.Tools)
            // The tool loop.
            .Use(static (innerClient, services) => GovernedToolLoop.Create(innerClient, services))
            // Per model call.
            .UseDataProtection(options?.DataProtection)
            .UseTokenBudget(options?.TokenBudget, pipelineCache)
            .Use(static innerClient => GovernedToolLoop.HasAppLoop(innerClient) ? new ToolDeclarationsChatClient(innerClient) : innerClient);
    }
}
