using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Contracts.Ai;

/// <summary>
/// An <see cref="IChatReducer"/> that fits a conversation into a model's context window by tokens,
/// with the same rules as <see cref="TokenBudgetingChatClient"/>, for apps using MEAI's <c>UseChatReducer</c>.
/// </summary>
/// <remarks>
/// A reducer sees messages only, not <c>ChatOptions</c>: instructions, tool definitions and
/// <c>ChatOptions.MaxOutputTokens</c> are not part of its budget, so give
/// <see cref="TokenBudgetOptions.ReservedOutputTokens"/> or <see cref="TokenBudgetOptions.SafetyMarginTokens"/>
/// room for them, or prefer <see cref="TokenBudgetingChatClient"/>. Thread-safe.
/// </remarks>
public sealed class TokenBudgetChatReducer : IChatReducer
{
    private readonly TokenBudgeter _budgeter;
    private readonly string _modelId;

    /// <summary>Initializes a new instance of the <see cref="TokenBudgetChatReducer"/> class, with a token count cache of its own.</summary>
    /// <param name="modelId">The model the conversation is sent to; it chooses the token counter and, unless the options set one, the context window.</param>
    /// <param name="options">The budget; <see langword="null"/> for defaults.</param>
    /// <param name="counters">Chooses the counter per model; <see langword="null"/> for tiktoken on known OpenAI models and the default encoding otherwise.</param>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is <see langword="null"/>, empty or white space.</exception>
    public TokenBudgetChatReducer(string modelId, TokenBudgetOptions? options = null, TokenCounterRegistry? counters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        _modelId = modelId;
        _budgeter = new TokenBudgeter(options ?? new TokenBudgetOptions(), counters, new TokenCountCache());
    }

    /// <inheritdoc />
    /// <exception cref="ContextBudgetExceededException">The conversation does not fit and the policy is <see cref="BudgetOverflowPolicy.Throw"/>, or even the messages that must be kept do not fit.</exception>
    public Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_budgeter.Fit(messages, null, _modelId));
    }
}
